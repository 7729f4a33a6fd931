#pragma once
/// Request counters and latency histograms, resolved once per (method, route) so serving a
/// request touches only cached metric references.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace cosmic::telemetry::detail {

class HttpMetrics {
  public:
    /// The series of one (method, route) pair. Counters per status code are added on first use
    /// and cached, so later requests never look up a family.
    class RouteSeries {
      public:
        void Observe(int status, double seconds);

      private:
        friend class HttpMetrics;
        static constexpr int kFirstCode = 100;
        static constexpr int kCodes = 500;  // 100..599

        HttpMetrics* owner_ = nullptr;
        std::string method_;
        std::string route_;
        prometheus::Histogram* seconds_ = nullptr;
        std::array<std::atomic<prometheus::Counter*>, kCodes> by_code_{};
    };

    explicit HttpMetrics(prometheus::Registry& registry);

    /// The series for `method` (normalised to a bounded set) and `route` (a registered pattern
    /// or a fixed label such as "unmatched"). The reference stays valid for the object's life.
    RouteSeries& Series(std::string_view method, std::string_view route);

    prometheus::Gauge& in_flight() { return in_flight_; }

    /// Maps a client-supplied method to a bounded label value.
    static std::string_view MethodLabel(std::string_view method);

  private:
    prometheus::Counter& CounterFor(RouteSeries& series, int status);

    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& seconds_;
    prometheus::Gauge& in_flight_;
    std::mutex mutex_;
    std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteSeries>, std::less<>> series_;
};

}  // namespace cosmic::telemetry::detail
