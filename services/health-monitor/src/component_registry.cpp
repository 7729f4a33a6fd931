#include "cosmic/health_monitor/component_registry.hpp"

#include <simdjson.h>

#include <algorithm>
#include <set>

namespace cosmic::health {

std::string_view ToString(ComponentStatus status) noexcept {
    switch (status) {
        case ComponentStatus::kHealthy:
            return "HEALTHY";
        case ComponentStatus::kDegraded:
            return "DEGRADED";
        case ComponentStatus::kUnhealthy:
            return "UNHEALTHY";
        case ComponentStatus::kDown:
            return "DOWN";
    }
    return "DOWN";
}

namespace {

/// health-monitor replicas whose announcements are kept (two run; restarts add a few more).
constexpr std::size_t kMaxAnnouncers = 16;

ComponentStatus FromReported(schema::HealthStatus status) {
    switch (status) {
        case schema::HealthStatus::kHealthy:
            return ComponentStatus::kHealthy;
        case schema::HealthStatus::kDegraded:
            return ComponentStatus::kDegraded;
        case schema::HealthStatus::kUnhealthy:
            return ComponentStatus::kUnhealthy;
    }
    return ComponentStatus::kUnhealthy;
}

ComponentStatus Worse(ComponentStatus a, ComponentStatus b) { return a > b ? a : b; }

/// A non-negative integer field; nullopt when absent, null or not a non-negative integer.
std::optional<std::uint64_t> Unsigned(simdjson::dom::object object, std::string_view key) {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
    std::uint64_t u = 0;
    if (value.get(u) == simdjson::SUCCESS) return u;
    std::int64_t i = 0;
    if (value.get(i) == simdjson::SUCCESS && i >= 0) return static_cast<std::uint64_t>(i);
    return std::nullopt;
}

std::optional<std::int64_t> Signed(simdjson::dom::object object, std::string_view key) {
    simdjson::dom::element value;
    if (object[key].get(value) != simdjson::SUCCESS) return std::nullopt;
    std::int64_t i = 0;
    if (value.get(i) == simdjson::SUCCESS) return i;
    return std::nullopt;
}

std::string Text(simdjson::dom::object object, std::string_view key) {
    std::string_view text;
    if (object[key].get(text) != simdjson::SUCCESS) return {};
    return std::string(text);
}

}  // namespace

struct HeartbeatParser::Impl {
    simdjson::dom::parser parser;
};

HeartbeatParser::HeartbeatParser() : impl_(std::make_unique<Impl>()) {}
HeartbeatParser::~HeartbeatParser() = default;

std::optional<HeartbeatData> HeartbeatParser::Parse(const schema::Event& event, std::string& error) {
    simdjson::dom::object metrics;
    if (auto code = impl_->parser.parse(event.metrics).get(metrics); code != simdjson::SUCCESS) {
        error = std::string("metrics: ") + simdjson::error_message(code);
        return std::nullopt;
    }
    HeartbeatData data;
    data.service = Text(metrics, "service");
    data.instance = Text(metrics, "instance");
    // Older senders: the component id is the instance, the envelope's source the service.
    if (data.instance.empty()) data.instance = event.component_id;
    if (data.service.empty()) data.service = event.source.empty() ? event.component_id : event.source;
    if (data.service.empty() || data.instance.empty()) {
        error = "names no component (metrics.service/instance, component_id)";
        return std::nullopt;
    }
    data.version = Text(metrics, "version");
    data.reported = FromReported(event.status);
    data.occurred_at_ms = event.occurred_at_ms;
    data.uptime_s = Signed(metrics, "uptime_s");
    bool ready = true;
    if (metrics["consumer_ready"].get(ready) == simdjson::SUCCESS) data.consumer_ready = ready;
    data.consumer_lag = Signed(metrics, "consumer_lag");
    double rate = 0;
    if (metrics["processed_per_second"].get(rate) == simdjson::SUCCESS && rate >= 0) data.processed_per_second = rate;
    data.handled = Unsigned(metrics, "handled");
    data.failed = Unsigned(metrics, "failed");
    data.dead_lettered = Unsigned(metrics, "dead_lettered");
    data.retried = Unsigned(metrics, "retried");
    data.role = Text(metrics, "role");
    simdjson::dom::array notified;
    if (metrics["alerts_notified"].get(notified) == simdjson::SUCCESS) {
        std::vector<std::string> ids;
        for (simdjson::dom::element item : notified) {
            std::string_view id;
            if (item.get(id) == simdjson::SUCCESS) ids.emplace_back(id);
        }
        data.alerts_notified = std::move(ids);
    }
    data.report = event.event_type == "health.report";
    return data;
}

ComponentRegistry::ComponentRegistry(ComponentSettings settings) : settings_(std::move(settings)) {}

ComponentRegistry::Recorded ComponentRegistry::Record(const HeartbeatData& heartbeat, std::int64_t now_ms) {
    if (heartbeat.occurred_at_ms < now_ms - settings_.forget_after.count()) return Recorded::kExpired;
    std::lock_guard lock(mutex_);
    if (heartbeat.alerts_notified) {
        auto announced = announcements_.find(heartbeat.instance);
        if (announced == announcements_.end() && announcements_.size() >= kMaxAnnouncers) {
            // Bounded: forget the instance that announced least recently.
            announcements_.erase(std::min_element(announcements_.begin(), announcements_.end(), [](auto& a, auto& b) {
                return a.second.second.occurred_at_ms < b.second.second.occurred_at_ms;
            }));
        }
        auto& entry = announcements_[heartbeat.instance];
        if (heartbeat.occurred_at_ms >= entry.second.occurred_at_ms) {
            entry = {heartbeat.role,
                     LeaderAnnouncement{heartbeat.instance, heartbeat.occurred_at_ms, *heartbeat.alerts_notified}};
        }
    }
    if (heartbeat.report) return Recorded::kAccepted;
    Key key{heartbeat.service, heartbeat.instance};
    auto it = instances_.find(key);
    if (it == instances_.end()) {
        if (instances_.size() >= settings_.max_instances) {
            ++rejected_for_capacity_;
            return Recorded::kCapacity;
        }
        it = instances_.emplace(std::move(key), Instance{}).first;
    } else if (heartbeat.occurred_at_ms < it->second.last.occurred_at_ms) {
        return Recorded::kOutOfOrder;
    }
    Instance& instance = it->second;
    const bool restarted =
        (heartbeat.uptime_s && instance.last.uptime_s && *heartbeat.uptime_s < *instance.last.uptime_s);
    if (heartbeat.handled && heartbeat.failed && heartbeat.dead_lettered) {
        const Sample sample{heartbeat.occurred_at_ms, *heartbeat.handled, *heartbeat.failed, *heartbeat.dead_lettered};
        // Counters are "since start": a restart (or a reset) starts the window afresh.
        if (restarted || (!instance.window.empty() && (sample.handled < instance.window.back().handled ||
                                                       sample.failed < instance.window.back().failed ||
                                                       sample.dead_lettered < instance.window.back().dead_lettered))) {
            instance.window.clear();
        }
        instance.window.push_back(sample);
        while (instance.window.size() > settings_.rate_window) instance.window.pop_front();
    } else {
        instance.window.clear();
    }
    instance.last = heartbeat;
    return Recorded::kAccepted;
}

InstanceView ComponentRegistry::View(const Instance& instance, std::int64_t now_ms, std::uint64_t& window_errors,
                                     std::uint64_t& window_handled) const {
    const HeartbeatData& last = instance.last;
    InstanceView view;
    view.service = last.service;
    view.instance = last.instance;
    view.version = last.version;
    view.reported = last.reported;
    view.last_seen_ms = last.occurred_at_ms;
    view.uptime_s = last.uptime_s.value_or(0);
    view.consumer_ready = last.consumer_ready;
    view.consumer_lag = last.consumer_lag;
    view.processed_per_second = last.processed_per_second;
    view.handled = last.handled.value_or(0);
    view.failed = last.failed.value_or(0);
    view.dead_lettered = last.dead_lettered.value_or(0);
    view.retried = last.retried.value_or(0);
    view.role = last.role;
    const bool stale = now_ms - last.occurred_at_ms > settings_.stale_after.count();
    view.status = stale ? ComponentStatus::kDown : last.reported;
    window_errors = 0;
    window_handled = 0;
    if (!stale && instance.window.size() >= 2) {
        const Sample& first = instance.window.front();
        const Sample& newest = instance.window.back();
        window_handled = newest.handled - first.handled;
        window_errors = (newest.failed - first.failed) + (newest.dead_lettered - first.dead_lettered);
        if (window_handled + window_errors >= settings_.error_ratio_min_events) {
            // Over handled, as specified; with nothing handled every error counts as a whole.
            view.error_ratio =
                static_cast<double>(window_errors) / static_cast<double>(std::max<std::uint64_t>(window_handled, 1));
        }
    }
    return view;
}

std::vector<ServiceView> ComponentRegistry::Evaluate(std::int64_t now_ms) {
    std::lock_guard lock(mutex_);
    std::map<std::string, ServiceView> services;
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> windows;  // errors, handled
    for (const std::string& name : settings_.expected) {
        services[name].service = name;
    }
    for (const auto& [key, instance] : instances_) {
        std::uint64_t errors = 0;
        std::uint64_t handled = 0;
        InstanceView view = View(instance, now_ms, errors, handled);
        ServiceView& service = services[key.first];
        service.service = key.first;
        windows[key.first].first += errors;
        windows[key.first].second += handled;
        service.instances.push_back(std::move(view));
    }
    // Forget instances replaced long ago: DOWN for forget_after while their service has a live one.
    for (auto& [name, service] : services) {
        const bool any_up = std::any_of(service.instances.begin(), service.instances.end(),
                                        [](const InstanceView& i) { return i.status != ComponentStatus::kDown; });
        if (!any_up) continue;
        std::erase_if(service.instances, [&](const InstanceView& i) {
            if (i.status != ComponentStatus::kDown || now_ms - i.last_seen_ms <= settings_.forget_after.count()) {
                return false;
            }
            instances_.erase(Key{i.service, i.instance});
            return true;
        });
    }
    std::vector<ServiceView> result;
    result.reserve(services.size());
    for (auto& [name, service] : services) {
        ComponentStatus worst_up = ComponentStatus::kHealthy;
        for (const InstanceView& i : service.instances) {
            ++service.instances_total;
            service.last_seen_ms = std::max(service.last_seen_ms, i.last_seen_ms);
            if (i.status == ComponentStatus::kDown) continue;
            ++service.instances_up;
            worst_up = Worse(worst_up, i.status);
            service.processed_per_second += i.processed_per_second;
            if (i.consumer_lag) service.consumer_lag = service.consumer_lag.value_or(0) + *i.consumer_lag;
        }
        if (service.instances_up == 0) {
            service.status = ComponentStatus::kDown;
        } else if (worst_up == ComponentStatus::kHealthy && service.instances_up < service.instances_total) {
            service.status = ComponentStatus::kDegraded;
        } else {
            service.status = worst_up;
        }
        const auto [errors, handled] = windows[name];
        service.window_events = errors + handled;
        if (service.instances_up > 0 && service.window_events >= settings_.error_ratio_min_events) {
            service.error_ratio =
                static_cast<double>(errors) / static_cast<double>(std::max<std::uint64_t>(handled, 1));
        }
        result.push_back(std::move(service));
    }
    return result;
}

std::optional<LeaderAnnouncement> ComponentRegistry::LatestLeader() const {
    std::lock_guard lock(mutex_);
    std::optional<LeaderAnnouncement> latest;
    for (const auto& [instance, entry] : announcements_) {
        if (entry.first != "leader") continue;
        if (!latest || entry.second.occurred_at_ms > latest->occurred_at_ms) latest = entry.second;
    }
    return latest;
}

std::size_t ComponentRegistry::InstanceCount() const {
    std::lock_guard lock(mutex_);
    return instances_.size();
}

std::uint64_t ComponentRegistry::RejectedForCapacity() const {
    std::lock_guard lock(mutex_);
    return rejected_for_capacity_;
}

}  // namespace cosmic::health
