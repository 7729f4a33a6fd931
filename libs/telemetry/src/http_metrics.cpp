#include "http_metrics.hpp"

#include <array>

namespace cosmic::telemetry::detail {
namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
    static const prometheus::Histogram::BucketBoundaries kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                                  0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};
    return kBuckets;
}

}  // namespace

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("cosmic_http_requests_total")
                    .Help("HTTP requests served, by method, route pattern and status code")
                    .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("cosmic_http_request_seconds")
                   .Help("Time from request received to response ready, by method and route pattern")
                   .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("cosmic_http_requests_in_flight")
                     .Help("HTTP requests being served right now")
                     .Register(registry)
                     .Add({})) {}

std::string_view HttpMetrics::MethodLabel(std::string_view method) {
    static constexpr std::array<std::string_view, 7> kKnown{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (const std::string_view known : kKnown) {
        if (known == method) {
            return known;
        }
    }
    return "other";
}

HttpMetrics::RouteSeries& HttpMetrics::Series(std::string_view method, std::string_view route) {
    const std::string_view method_label = MethodLabel(method);
    std::lock_guard lock(mutex_);
    auto key = std::make_pair(std::string(method_label), std::string(route));
    auto it = series_.find(key);
    if (it != series_.end()) {
        return *it->second;
    }
    auto series = std::make_unique<RouteSeries>();
    series->owner_ = this;
    series->method_ = key.first;
    series->route_ = key.second;
    series->seconds_ = &seconds_.Add({{"method", series->method_}, {"route", series->route_}}, LatencyBuckets());
    RouteSeries& result = *series;
    series_.emplace(std::move(key), std::move(series));
    return result;
}

prometheus::Counter& HttpMetrics::CounterFor(RouteSeries& series, int status) {
    const std::size_t index = static_cast<std::size_t>(status - RouteSeries::kFirstCode);
    std::lock_guard lock(mutex_);
    prometheus::Counter* counter = series.by_code_[index].load(std::memory_order_acquire);
    if (counter == nullptr) {
        counter =
            &requests_.Add({{"method", series.method_}, {"route", series.route_}, {"code", std::to_string(status)}});
        series.by_code_[index].store(counter, std::memory_order_release);
    }
    return *counter;
}

void HttpMetrics::RouteSeries::Observe(int status, double seconds) {
    if (status < kFirstCode || status >= kFirstCode + kCodes) {
        status = 500;
    }
    prometheus::Counter* counter =
        by_code_[static_cast<std::size_t>(status - kFirstCode)].load(std::memory_order_acquire);
    if (counter == nullptr) {
        counter = &owner_->CounterFor(*this, status);
    }
    counter->Increment();
    seconds_->Observe(seconds);
}

}  // namespace cosmic::telemetry::detail
