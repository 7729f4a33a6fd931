#include "cosmic/service/runtime.hpp"
#include "cosmic/job_orchestrator/orchestrator_service.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::orchestrator::OrchestratorService>("job-orchestrator", argc, argv);
}
