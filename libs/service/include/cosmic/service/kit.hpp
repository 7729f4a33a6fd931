#pragma once
/// The service kit (DESIGN.md §7): the one way a service is assembled. A service declares what
/// is its own (config keys, handlers, store, routes, WebSocket endpoints, heartbeat fields,
/// periodic tasks); the kit owns client ids, group ids, static membership, readiness, the
/// heartbeat's common counters, the start/stop order and the deadlines, the same for every
/// service:
///
///     AuditService::AuditService(service::Kit& kit)
///         : settings_(LoadAuditSettings(kit.GetConfig())),
///           store_(kit.Store<SqliteAuditStore>("audit-store", settings_.store)) {
///         kit.Consume({"audit-trail"}).OnBatch(Ingest{store_}, 1000, 50ms);
///         kit.Http().Route("GET", "/api/v1/audit", RequireAuth(kit.Auth(), {Role::kAuditor}, ...));
///         kit.Every("retention", settings_.purge_interval, [this] { store_.Purge(kit.NowMs()); });
///         kit.Heartbeat([this](schema::JsonWriter& fields) { return WriteHeartbeat(fields); });
///     }
///
/// Start order (stop is the reverse, all within shutdown.deadline_ms):
///   stores → producer → the service's own components (in the order added) → timers →
///   heartbeat → consumers; the runtime starts HTTP after all of them and stops it first.
/// So a consumer stops first (finishes in-flight, commits), the heartbeat sends its last
/// numbers, the producer flushes what the service produced, and stores close last.

#include <array>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/service/component.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/service/timers.hpp"

namespace cosmic::kafka {
class Heartbeat;
class Producer;
struct ProducerOptions;
}  // namespace cosmic::kafka

namespace cosmic::schema {
class JsonWriter;
}

namespace cosmic::service {

/// Declares the keys the kit reads (RunMain declares them for every service before the
/// service's own): consumer.group_id (a consuming service sets its default with SetDefault),
/// consumer.retry_max_attempts, consumer.static_membership and heartbeat.interval_ms.
void DeclareKitKeys(ConfigSchema& schema);

/// What a heartbeat carries besides the service's own fields (DESIGN.md §7); the kit fills it.
struct HeartbeatCommon {
    bool consumer_ready = true;
    bool lag_known = false;
    std::int64_t consumer_lag = 0;
    kafka::RunnerCounts counts;
    double processed_per_second = 0;
};

/// Writes the service's own fields into the heartbeat's metrics object (already open) and
/// returns the service's own status; the kit reports the worse of it and its own. `common` is
/// what the kit has just written, for services whose status depends on it (lag, say).
using HeartbeatFields = std::function<schema::HealthStatus(const HeartbeatCommon& common, schema::JsonWriter&)>;

/// How a consumer's readiness counts in /readyz.
enum class ConsumerReadiness {
    kGates,     ///< not ready until the group gave it an assignment
    kReported,  ///< named in /readyz but never fails it (an API that must work without Kafka)
};

/// What Kit::Consume needs beyond the topics.
struct ConsumeOptions {
    /// The group; consumer.group_id when empty.
    std::string group_id;
    ConsumerReadiness readiness = ConsumerReadiness::kGates;
    /// Last word on the runner's options (batch size, assignment strategy, retry policy...);
    /// the kit has filled client, client id, group, instance id, retry attempts and deadline.
    std::function<void(kafka::RunnerOptions&)> tune;
};

class Kit {
  public:
    /// Builds the kit around `runtime` and adds its phase components to it; the service's
    /// constructor then declares its parts.
    explicit Kit(Runtime& runtime);
    ~Kit();
    Kit(const Kit&) = delete;
    Kit& operator=(const Kit&) = delete;

    std::string_view Service() const;
    const std::string& InstanceId() const;
    const Config& GetConfig() const;
    const std::shared_ptr<prometheus::Registry>& Registry() const;
    telemetry::HttpServer& Http();
    /// The tokens (auth.tokens_file). Throws ConfigError when unset or invalid: call it first
    /// in a constructor whose API needs auth, so startup fails before any client exists.
    std::shared_ptr<const Authenticator> Auth();
    Runtime& GetRuntime() { return runtime_; }

    /// The service's clock (wall time, ms since the epoch). Everything that stamps or ages
    /// data (stores, retention, TTLs) takes it from here; a test can replace it with SetClock
    /// before the service is built.
    std::int64_t NowMs() const { return clock_(); }
    const std::function<std::int64_t()>& Clock() const { return clock_; }
    void SetClock(std::function<std::int64_t()> clock);

    /// A store the kit owns, constructed now (a failure aborts startup with the message), started
    /// first and stopped last. When `T` is a Component its Start/Stop run in that phase.
    /// /readyz gets a check `name` (open while the store exists; `T::Ready(std::string&)` decides
    /// when T has one).
    template <class T, class... Args>
    T& Store(std::string name, Args&&... args) {
        auto owned = std::make_shared<T>(std::forward<Args>(args)...);
        T& ref = *owned;
        StoreEntry entry{std::move(name), owned, nullptr, nullptr};
        if constexpr (std::derived_from<T, Component>) entry.component = &ref;
        if constexpr (requires(T & t, std::string & s) {
                          { t.Ready(s) } -> std::convertible_to<bool>;
                      }) {
            entry.ready = [&ref](std::string& detail) { return ref.Ready(detail); };
        }
        AddStore(std::move(entry));
        return ref;
    }

    /// The service's producer (one per service, created on first call): client.id
    /// "<service>-<instance>", idempotent, flushed within the shutdown deadline. `tune` (first
    /// call only) adjusts the options.
    kafka::Producer& Producer(const std::function<void(kafka::ProducerOptions&)>& tune = {});

    /// A consumer of `topics` (table topics): group from `options` or consumer.group_id,
    /// client.id "<service>-<instance>", group.instance.id = the instance id when it is stable
    /// (service.instance_id set explicitly, e.g. COSMIC_INSTANCE_ID = the pod name) and
    /// consumer.static_membership is on, retry attempts from consumer.retry_max_attempts.
    /// Register handlers on the returned runner; it starts last and stops first.
    kafka::Runner& Consume(std::vector<std::string> topics, ConsumeOptions options = {});

    /// A component of the service's own (relay, executor, WebSocket flusher), started after the
    /// stores and the producer and before the timers, heartbeat and consumers, in the order added.
    Component& Add(std::unique_ptr<Component> component);
    template <class C, class... Args>
    C& Emplace(Args&&... args) {
        auto owned = std::make_unique<C>(std::forward<Args>(args)...);
        C& ref = *owned;
        Add(std::move(owned));
        return ref;
    }
    /// A component made of two functions; either may be empty.
    Component& Add(std::string name, FunctionComponent::StartFn start, FunctionComponent::StopFn stop);

    /// The service's timers (one thread); started after its own components.
    Timers& GetTimers();
    /// Runs `task` every `interval` on the service's timers (<= 0 disables it).
    void Every(std::string name, std::chrono::milliseconds interval, Timers::Task task);

    /// Turns on the heartbeat to system-health every heartbeat.interval_ms (key = component_id =
    /// the instance id). Its metrics object holds the common fields (service, instance, version,
    /// uptime_s, consumer_ready, consumer_lag, handled, skipped, invalid, failed, retried,
    /// dead_lettered, processed_per_second) followed by what `fields` writes. A final heartbeat
    /// goes out when the service stops. Without a call, no heartbeat is sent.
    void Heartbeat(HeartbeatFields fields = {});
    /// The common numbers now (also for the service's own status decisions and tests).
    HeartbeatCommon Common() const;
    /// The heartbeat component, once Heartbeat() was called (tests publish on demand).
    kafka::Heartbeat* GetHeartbeat();
    /// The metrics object and status the next heartbeat carries (the heartbeat's thread calls
    /// it; tests too). Updates processed_per_second from the counts since the previous call.
    std::string CollectHeartbeat(schema::HealthStatus& status);

    /// A readiness check of the service's own (in addition to the kit's).
    void Readiness(std::string name, telemetry::ReadinessCheck check);

    /// The Kafka client id every client of this instance uses: "<service>-<instance>".
    std::string ClientId() const;
    /// The static membership id consumers use, empty when the instance id is not stable.
    const std::string& GroupInstanceId() const { return group_instance_id_; }

  private:
    struct StoreEntry {
        std::string name;
        std::shared_ptr<void> owned;
        Component* component;
        std::function<bool(std::string&)> ready;
    };
    struct ConsumerEntry;
    /// Start order; stop is the reverse.
    enum class PhaseId : std::size_t { kStores, kProducer, kOwn, kTimers, kHeartbeat, kConsumers, kCount };

    void AddTo(PhaseId phase, Component& component);
    void AddStore(StoreEntry entry);

    Runtime& runtime_;
    std::function<std::int64_t()> clock_;
    std::string group_instance_id_;
    int retry_max_attempts_;
    std::chrono::milliseconds heartbeat_interval_;

    std::array<std::vector<Component*>, static_cast<std::size_t>(PhaseId::kCount)> phases_;
    bool assembled_ = false;

    std::vector<StoreEntry> stores_owned_;
    std::unique_ptr<kafka::Producer> producer_;
    std::vector<std::unique_ptr<Component>> own_owned_;
    std::unique_ptr<Timers> timers_;
    std::vector<std::unique_ptr<ConsumerEntry>> consumer_entries_;
    HeartbeatFields heartbeat_fields_;
    std::unique_ptr<kafka::Heartbeat> heartbeat_;
    std::chrono::steady_clock::time_point started_at_;
    // processed_per_second between heartbeats (heartbeat thread only)
    std::uint64_t last_processed_ = 0;
    std::chrono::steady_clock::time_point last_processed_at_{};
    std::atomic<double> processed_per_second_{0};  ///< written by the heartbeat, read anywhere
};

/// The schema RunMain builds for `S`: the common keys, the kit's, then the service's own.
template <class S>
ConfigSchema ServiceSchema() {
    ConfigSchema schema;
    DeclareCommonKeys(schema);
    DeclareKitKeys(schema);
    S::DeclareConfig(schema);
    return schema;
}

/// A service assembled exactly as RunMain assembles it, for tests and benchmarks that run it
/// in-process: runtime, kit, service (destroyed in reverse). Run() it on a thread of yours.
template <class S>
class ServiceHost {
  public:
    ServiceHost(std::string service, const Environment& env, const std::string& config_file = {})
        : runtime_(std::move(service), Config::Load(ServiceSchema<S>(), config_file, env)),
          kit_(runtime_),
          service_(kit_) {}

    Runtime& GetRuntime() { return runtime_; }
    Kit& GetKit() { return kit_; }
    S& Service() { return service_; }

  private:
    Runtime runtime_;
    Kit kit_;
    S service_;
};

}  // namespace cosmic::service
