#include "cosmic/metrics_consumer/metrics_service.hpp"
#include "cosmic/service/runtime.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::metrics::MetricsService>("metrics-consumer", argc, argv);
}
