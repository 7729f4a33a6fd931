#include "cosmic/service/kit.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/service/version.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::service {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds Remaining(steady_clock::time_point deadline) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
}

schema::HealthStatus Worse(schema::HealthStatus a, schema::HealthStatus b) {
    return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

}  // namespace

void DeclareKitKeys(ConfigSchema& schema) {
    schema.String("consumer.group_id", "",
                  "Kafka consumer group of the service's consumer (each service has its own default).");
    schema.Int("consumer.retry_max_attempts", 5, 1, 1'000'000,
               "Handler attempts for one record before it is dead-lettered (backoff 100 ms doubling to 30 s).");
    schema.Bool("consumer.static_membership", true,
                "Use the instance id as group.instance.id when service.instance_id is set explicitly (a pod "
                "name): a restarted instance takes its partitions back at once instead of after a rebalance.");
    schema.Int("consumer.parse_threads", -1, -1, static_cast<std::int64_t>(kafka::RunnerOptions::kMaxParseThreads),
               "Helper threads parsing a consumed batch ahead of the handler; 0 parses on the consumer "
               "thread; -1 chooses from the core count (one helper on two or more cores).");
    schema.Duration("heartbeat.interval_ms", milliseconds(10'000), milliseconds(0), milliseconds(3'600'000),
                    "Heartbeat period to system-health; 0 turns periodic heartbeats off.");
}

struct Kit::ConsumerEntry final : Component {
    ConsumerEntry(kafka::RunnerOptions options, const std::shared_ptr<prometheus::Registry>& registry,
                  ConsumerReadiness readiness_mode)
        : name("consumer " + options.group_id), runner(std::move(options), registry), readiness(readiness_mode) {}

    std::string_view Name() const override { return name; }
    void Start() override { runner.Start(); }
    void Stop(steady_clock::time_point deadline) override {
        if (!runner.Stop(Remaining(deadline))) spdlog::warn("{} did not stop within the deadline", name);
    }

    std::string name;
    kafka::Runner runner;
    ConsumerReadiness readiness;
};

Kit::Kit(Runtime& runtime)
    : runtime_(runtime),
      clock_([] { return schema::NowEpochMs(); }),
      retry_max_attempts_(static_cast<int>(runtime.GetConfig().GetInt("consumer.retry_max_attempts"))),
      heartbeat_interval_(runtime.GetConfig().GetDuration("heartbeat.interval_ms")),
      started_at_(steady_clock::now()) {
    const Config& config = runtime.GetConfig();
    // Only an identity the operator chose survives a restart; the default <hostname>-<pid> does
    // not, and a static member under a dead id would hold its partitions for a session timeout.
    if (config.SourceOf("service.instance_id") != "default" && config.GetBool("consumer.static_membership")) {
        group_instance_id_ = runtime.InstanceId();
    }
    runtime_.BeforeRun([this] {
        for (const auto& phase : phases_) {
            for (Component* component : phase) runtime_.Add(*component);
        }
        assembled_ = true;
    });
}

void Kit::AddTo(PhaseId phase, Component& component) {
    if (assembled_) {
        throw std::logic_error("kit: '" + std::string(component.Name()) + "' declared after the service started");
    }
    phases_[static_cast<std::size_t>(phase)].push_back(&component);
}

Kit::~Kit() {
    // Threads that call into the service stop before anything they use goes away (they are
    // stopped already after a normal run; this covers a startup that failed half-way). The
    // heartbeat is not stopped here: Stop() would send a final one through the service's
    // fields, and the service is already gone; its destructor stops it without one.
    for (auto& entry : consumer_entries_) entry->runner.Stop(milliseconds(0));
    if (timers_) timers_->Stop();
}

std::string_view Kit::Service() const { return runtime_.Service(); }
const std::string& Kit::InstanceId() const { return runtime_.InstanceId(); }
const Config& Kit::GetConfig() const { return runtime_.GetConfig(); }
const std::shared_ptr<prometheus::Registry>& Kit::Registry() const { return runtime_.Registry(); }
telemetry::HttpServer& Kit::Http() { return runtime_.Http(); }
std::shared_ptr<const Authenticator> Kit::Auth() { return runtime_.Auth(); }

void Kit::SetClock(std::function<std::int64_t()> clock) {
    if (!clock) throw std::invalid_argument("kit: empty clock");
    clock_ = std::move(clock);
}

std::string Kit::ClientId() const { return std::string(Service()) + "-" + InstanceId(); }

void Kit::AddStore(StoreEntry entry) {
    if (entry.component != nullptr) AddTo(PhaseId::kStores, *entry.component);
    auto ready = entry.ready;
    const std::string name = entry.name;
    // /readyz is open to anyone, so a store's own words (file paths, connection strings, driver
    // errors) go to the log, and the endpoint says only whether the store is usable.
    auto limiter = std::make_shared<telemetry::RateLimiter>();
    Readiness(name, [ready, name, limiter](std::string& detail) {
        std::string own;
        const bool ok = !ready || ready(own);
        detail = ok ? "open" : "unavailable";
        std::uint64_t suppressed = 0;
        if (!ok && limiter->Allow(suppressed)) {
            spdlog::warn("store {} not ready: {}; {} similar suppressed", name, own, suppressed);
        }
        return ok;
    });
    stores_owned_.push_back(std::move(entry));
}

kafka::Producer& Kit::Producer(const std::function<void(kafka::ProducerOptions&)>& tune) {
    if (producer_) return *producer_;
    kafka::ProducerOptions options;
    options.client_id = ClientId();
    options.flush_timeout = GetConfig().GetDuration("shutdown.deadline_ms");
    if (tune) tune(options);
    producer_ = std::make_unique<kafka::Producer>(runtime_.Kafka(), options, Registry());
    auto component = std::make_unique<FunctionComponent>(
        "producer", nullptr, [this](steady_clock::time_point deadline) { producer_->Close(Remaining(deadline)); });
    AddTo(PhaseId::kProducer, *component);
    own_owned_.push_back(std::move(component));
    return *producer_;
}

kafka::Runner& Kit::Consume(std::vector<std::string> topics, ConsumeOptions options) {
    kafka::RunnerOptions runner_options;
    runner_options.group_id =
        options.group_id.empty() ? GetConfig().GetString("consumer.group_id") : std::move(options.group_id);
    if (runner_options.group_id.empty()) {
        throw ConfigError("consumer.group_id", GetConfig().SourceOf("consumer.group_id"),
                          "is empty, and the service needs a consumer group");
    }
    runner_options.topics = std::move(topics);
    runner_options.client = runtime_.Kafka();
    runner_options.client_id = ClientId();
    runner_options.group_instance_id = group_instance_id_;
    runner_options.retry.max_attempts = retry_max_attempts_;
    if (const std::int64_t parse_threads = GetConfig().GetInt("consumer.parse_threads"); parse_threads >= 0) {
        runner_options.parse_threads = static_cast<std::size_t>(parse_threads);
    }
    runner_options.shutdown_deadline = GetConfig().GetDuration("shutdown.deadline_ms");
    runner_options.dlq_producer.client_id = ClientId() + "-dlq";
    // A consumer that cannot go on stops the service with a failure exit code: a supervisor
    // restarts it (and it rejoins under the same static identity) instead of a process that
    // stays up consuming nothing.
    runner_options.on_fatal = [this](const std::string& reason) { runtime_.Fail(reason); };
    if (options.tune) options.tune(runner_options);
    if (!runner_options.group_instance_id.empty() && consumer_entries_.size() > 0) {
        // Two members of one process must not share a static identity.
        runner_options.group_instance_id += "-" + std::to_string(consumer_entries_.size());
    }

    auto entry = std::make_unique<ConsumerEntry>(std::move(runner_options), Registry(), options.readiness);
    ConsumerEntry& ref = *entry;
    AddTo(PhaseId::kConsumers, ref);
    const std::string check = consumer_entries_.empty() ? "consumer" : ref.name;
    Readiness(check, [&ref](std::string& detail) {
        if (!ref.runner.Enabled()) {
            detail = "kafka disabled";
            return true;
        }
        detail = ref.runner.ReadinessDetail();
        if (ref.readiness == ConsumerReadiness::kReported) {
            if (!ref.runner.Ready()) detail += " (the service works without it)";
            return true;
        }
        return ref.runner.Ready();
    });
    consumer_entries_.push_back(std::move(entry));
    return ref.runner;
}

Component& Kit::Add(std::unique_ptr<Component> component) {
    Component& ref = *component;
    AddTo(PhaseId::kOwn, ref);
    own_owned_.push_back(std::move(component));
    return ref;
}

Component& Kit::Add(std::string name, FunctionComponent::StartFn start, FunctionComponent::StopFn stop) {
    return Add(std::make_unique<FunctionComponent>(std::move(name), std::move(start), std::move(stop)));
}

Timers& Kit::GetTimers() {
    if (!timers_) {
        timers_ = std::make_unique<Timers>(std::string(Service()) + " timers");
        AddTo(PhaseId::kTimers, *timers_);
    }
    return *timers_;
}

void Kit::Every(std::string name, std::chrono::milliseconds interval, Timers::Task task) {
    GetTimers().Every(std::move(name), interval, std::move(task));
}

void Kit::Readiness(std::string name, telemetry::ReadinessCheck check) {
    runtime_.Http().AddReadinessCheck(std::move(name), std::move(check));
}

HeartbeatCommon Kit::Common() const {
    HeartbeatCommon common;
    for (const auto& entry : consumer_entries_) {
        const kafka::Runner& runner = entry->runner;
        if (runner.Enabled() && !runner.Ready()) common.consumer_ready = false;
        const kafka::LagSnapshot lag = runner.Lag();
        if (lag.known) {
            common.lag_known = true;
            common.consumer_lag += lag.total;
        }
        const kafka::RunnerCounts counts = runner.Counts();
        common.counts.handled += counts.handled;
        common.counts.skipped += counts.skipped;
        common.counts.invalid += counts.invalid;
        common.counts.failed += counts.failed;
        common.counts.retried += counts.retried;
        common.counts.dead_lettered += counts.dead_lettered;
    }
    common.processed_per_second = processed_per_second_.load(std::memory_order_relaxed);
    return common;
}

void Kit::Heartbeat(HeartbeatFields fields) {
    if (heartbeat_) throw std::logic_error("kit: Heartbeat declared twice");
    heartbeat_fields_ = std::move(fields);
    kafka::HeartbeatOptions options{std::string(Service()), InstanceId(), heartbeat_interval_};
    options.final_on_stop = true;
    heartbeat_ = std::make_unique<kafka::Heartbeat>(
        Producer(), std::move(options),
        [this] {
            kafka::HeartbeatSnapshot snapshot;
            snapshot.metrics = CollectHeartbeat(snapshot.status);
            return snapshot;
        },
        Registry());
    AddTo(PhaseId::kHeartbeat,
          *own_owned_.emplace_back(std::make_unique<FunctionComponent>(
              "heartbeat", [this] { heartbeat_->Start(); }, [this](steady_clock::time_point) { heartbeat_->Stop(); })));
}

kafka::Heartbeat* Kit::GetHeartbeat() { return heartbeat_.get(); }

std::string Kit::CollectHeartbeat(schema::HealthStatus& status) {
    // Runs on the heartbeat thread (or the stopping thread for the final one), never both at once.
    const auto now = steady_clock::now();
    HeartbeatCommon common = Common();
    const std::uint64_t processed = common.counts.handled + common.counts.skipped + common.counts.dead_lettered;
    if (last_processed_at_ != steady_clock::time_point{}) {
        const double seconds = std::chrono::duration<double>(now - last_processed_at_).count();
        if (seconds > 0) {
            processed_per_second_.store(static_cast<double>(processed - last_processed_) / seconds,
                                        std::memory_order_relaxed);
        }
    }
    last_processed_ = processed;
    last_processed_at_ = now;
    common.processed_per_second = processed_per_second_.load(std::memory_order_relaxed);

    std::string json;
    schema::JsonWriter w(json);
    w.BeginObject();
    w.Key("service").String(Service());
    w.Key("instance").String(InstanceId());
    w.Key("version").String(BuildVersion());
    w.Key("uptime_s").Int(std::chrono::duration_cast<std::chrono::seconds>(now - started_at_).count());
    w.Key("consumer_ready").Bool(common.consumer_ready);
    w.Key("consumer_lag");
    if (common.lag_known) {
        w.Int(common.consumer_lag);
    } else {
        w.Null();
    }
    w.Key("handled").Uint(common.counts.handled);
    w.Key("skipped").Uint(common.counts.skipped);
    w.Key("invalid").Uint(common.counts.invalid);
    w.Key("failed").Uint(common.counts.failed);
    w.Key("retried").Uint(common.counts.retried);
    w.Key("dead_lettered").Uint(common.counts.dead_lettered);
    w.Key("processed_per_second").Double(common.processed_per_second);
    status = common.consumer_ready ? schema::HealthStatus::kHealthy : schema::HealthStatus::kDegraded;
    if (heartbeat_fields_) status = Worse(status, heartbeat_fields_(common, w));
    w.EndObject();
    return json;
}

}  // namespace cosmic::service
