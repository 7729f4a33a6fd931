#include "cosmic/job_orchestrator/orchestrator_service.hpp"
#include "cosmic/service/runtime.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::orchestrator::OrchestratorService>("job-orchestrator", argc, argv);
}
