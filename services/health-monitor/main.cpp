#include "cosmic/health_monitor/health_service.hpp"
#include "cosmic/service/runtime.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::health::HealthService>("health-monitor", argc, argv);
}
