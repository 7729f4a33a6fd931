#include "cosmic/service/runtime.hpp"
#include "cosmic/metrics_consumer/metrics_service.hpp"

int main(int argc, char** argv) {
    return cosmic::service::RunMain<cosmic::metrics::MetricsService>("metrics-consumer", argc, argv);
}
