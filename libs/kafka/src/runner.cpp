#include "cosmic/kafka/runner.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <utility>

#include "cosmic/kafka/auth_hint.hpp"
#include "property_scope.hpp"
#include "rd_conf.hpp"
#include "runner_impl.hpp"

namespace cosmic::kafka {

using namespace runner_detail;  // the runner's private types (runner_impl.hpp)

void Runner::Impl::RebalanceTrampoline(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    static_cast<Runner::Impl*>(opaque)->OnRebalance(err, partitions);
}

int Runner::Impl::StatsTrampoline(rd_kafka_t* /*rk*/, char* json, size_t length, void* opaque) {
    static_cast<Runner::Impl*>(opaque)->lag.OnStats(std::string_view(json, length));
    return 0;  // librdkafka frees `json`
}

void Runner::Impl::NoteError(int err, const char* reason) {
    std::string text = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err));
    text += ": ";
    text += reason != nullptr ? reason : "";
    std::lock_guard lock(last_error_mutex);
    last_error = LastError{std::move(text), Clock::now()};
}

void Runner::Impl::OnFatal(rd_kafka_t* rk) {
    if (fatal_reported.exchange(true)) return;
    const std::string reason = "kafka consumer " + name + " fatal error: " + KafkaError::FatalOf(rk).ToString();
    spdlog::critical("{}; stopping", reason);
    RequestStop(Clock::now() + options.shutdown_deadline);
    if (options.on_fatal) options.on_fatal(reason);
}

void Runner::Impl::ErrorTrampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* impl = static_cast<Runner::Impl*>(opaque);
    impl->NoteError(err, reason);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        impl->OnFatal(rk);
        return;
    }
    // Bad credentials or an untrusted certificate: an error naming the settings to check.
    if (client_detail::LogAuthError(rk, err, reason, "kafka consumer " + impl->name)) {
        return;
    }
    std::uint64_t suppressed = 0;
    if (impl->consumer_log.Allow(suppressed)) {
        spdlog::warn("kafka consumer {}: {}: {} ({} similar suppressed)", impl->name,
                     rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason, suppressed);
    }
}

namespace {

/// A numeric property as the configuration holds it (librdkafka's default when not set).
std::int64_t ConfInt(const rd_kafka_conf_t* conf, const char* name) {
    char value[64];
    std::size_t size = sizeof(value);
    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) {
        throw std::logic_error(std::string("librdkafka has no property ") + name);
    }
    return std::stoll(value);
}

RunnerOptions Validated(RunnerOptions options) {
    if (options.group_id.empty()) {
        throw std::invalid_argument("runner: group_id is required");
    }
    if (options.topics.empty()) {
        throw std::invalid_argument("runner " + options.group_id + ": no topics");
    }
    for (const auto& topic : options.topics) {
        if (schema::FindTopic(topic) == nullptr) {
            throw std::invalid_argument("runner " + options.group_id + ": topic '" + topic +
                                        "' is not in the topic table");
        }
    }
    options.retry.Validate();
    if (options.poll_batch_size < 1) {
        throw std::invalid_argument("runner: poll_batch_size must be at least 1");
    }
    if (options.parse_threads > RunnerOptions::kMaxParseThreads) {
        throw std::invalid_argument("runner: parse_threads must be at most " +
                                    std::to_string(RunnerOptions::kMaxParseThreads));
    }
    if (options.client.enabled) {
        options.client.Validate();
    }
    if (options.client_id.empty()) {
        options.client_id = options.group_id;
    }
    if (options.dlq_producer.client_id == ProducerOptions{}.client_id) {
        options.dlq_producer.client_id = options.group_id + "-dlq";
    }
    return options;
}

}  // namespace

Runner::Impl::Impl(RunnerOptions opts, std::shared_ptr<prometheus::Registry> reg)
    : options(Validated(std::move(opts))),
      registry(reg ? std::move(reg) : std::make_shared<prometheus::Registry>()),
      families(*registry),
      topics(options.topics, families),
      name(options.group_id) {}

void Runner::Impl::Start() {
    units.OpenDeadLetterProducer(registry);
    client_detail::ConfHandle conf;
    // Defaults from the options, then the operator's properties, then what the semantics need.
    conf.Set("client.id", options.client_id);
    if (!options.group_instance_id.empty()) {
        // Static membership (KIP-345): librdkafka then sends no LeaveGroup on close, so the
        // partitions wait for this member's return for up to session.timeout.ms.
        conf.Set("group.instance.id", options.group_instance_id);
    }
    conf.Set("partition.assignment.strategy", options.assignment_strategy);
    conf.Set("auto.offset.reset", options.auto_offset_reset);
    conf.Set("fetch.wait.max.ms", std::to_string(options.fetch_wait_max.count()));
    conf.Set("statistics.interval.ms", std::to_string(options.statistics_interval.count()));
    conf.Set("queued.max.messages.kbytes", std::to_string(options.max_prefetch_kbytes));
    for (const auto& [name, value] : client_detail::ForConsumer(options.client).properties) {
        conf.Set(name, value);
    }
    conf.Set("group.id", options.group_id);
    conf.Set("enable.auto.commit", "true");
    conf.Set("enable.auto.offset.store", "false");
    rd_kafka_conf_set_rebalance_cb(conf.Get(), &Impl::RebalanceTrampoline);
    if (options.statistics_interval.count() > 0) {
        rd_kafka_conf_set_stats_cb(conf.Get(), &Impl::StatsTrampoline);
    }
    rd_kafka_conf_set_error_cb(conf.Get(), &Impl::ErrorTrampoline);
    rd_kafka_conf_set_opaque(conf.Get(), this);
    fetch_kicker.Configure(static_cast<std::size_t>(ConfInt(conf.Get(), "queued.min.messages")),
                           ConfInt(conf.Get(), "queued.max.messages.kbytes") * 1000);
    consumer = client_detail::NewHandle(RD_KAFKA_CONSUMER, conf);
    name = options.group_id + "/" + rd_kafka_name(consumer);
    partitions.Attach(consumer);
    // Callbacks (rebalance, stats, errors) are served by consumer_poll on the consumer thread.
    rd_kafka_poll_set_consumer(consumer);
    consumer_queue = rd_kafka_queue_get_consumer(consumer);
    waker.Set(consumer_queue);
    fetch_kicker.Attach(consumer);
    rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(static_cast<int>(topics.Size()));
    for (const auto& topic : topics) {
        rd_kafka_topic_partition_list_add(subscription, topic.name.c_str(), RD_KAFKA_PARTITION_UA);
    }
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer, subscription);
    rd_kafka_topic_partition_list_destroy(subscription);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fetch_kicker.Attach(nullptr);
        waker.Set(nullptr);
        rd_kafka_queue_destroy(consumer_queue);
        consumer_queue = nullptr;
        partitions.Attach(nullptr);
        rd_kafka_destroy(consumer);
        consumer = nullptr;
        units.DestroyDeadLetterProducer();
        throw KafkaException(KafkaError(err, "subscribe failed"));
    }
    started.store(true, std::memory_order_release);
    thread = std::thread([this] { Run(); });
}

void Runner::Impl::Run() {
    try {
        while (!stop_requested.load(std::memory_order_acquire)) {
            Turn();
        }
    } catch (const std::exception& e) {
        // A bug or resource exhaustion in the runner itself: stop consuming rather than
        // continuing in an unknown state; stored offsets are still committed below.
        spdlog::critical("kafka consumer {} stopped by an unexpected error: {}", name, e.what());
        RequestStop(Clock::now() + options.shutdown_deadline);
        clean_stop = false;
    }
    Shutdown();
}

void Runner::Impl::RequestStop(Clock::time_point deadline) {
    std::lock_guard lock(deadline_mutex);
    if (!stop_requested.load(std::memory_order_acquire)) {
        stop_deadline = deadline;
        stop_requested.store(true, std::memory_order_release);
    }
}

Clock::time_point Runner::Impl::StopDeadline() {
    std::lock_guard lock(deadline_mutex);
    return stop_deadline;
}

bool Runner::Impl::Stop(std::chrono::milliseconds deadline) {
    std::lock_guard lock(stop_mutex);
    if (!started.load(std::memory_order_acquire) || joined) {
        return clean_stop;
    }
    RequestStop(Clock::now() + deadline);
    waker.Wake();  // cut the current poll short
    thread.join();
    joined = true;
    return clean_stop;
}

Runner::Runner(RunnerOptions options, std::shared_ptr<prometheus::Registry> registry)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(registry))) {}

Runner::~Runner() { Stop(); }

void Runner::On(std::string_view pattern, EventHandler handler) {
    if (impl_->started.load()) {
        throw std::logic_error("Runner::On after Start");
    }
    if (impl_->on_batch) {
        throw std::logic_error("Runner::On together with OnBatch");
    }
    if (!handler) {
        throw std::invalid_argument("Runner::On: empty handler");
    }
    const std::size_t slot = impl_->patterns.Add(pattern);
    impl_->handlers.resize(slot + 1);
    impl_->handlers[slot] = std::move(handler);
}

void Runner::OnInvalid(InvalidHandler handler) {
    if (impl_->started.load()) {
        throw std::logic_error("Runner::OnInvalid after Start");
    }
    impl_->on_invalid = std::move(handler);
}

void Runner::OnBatch(BatchHandler handler, std::size_t max_records, std::chrono::milliseconds max_wait) {
    if (impl_->started.load()) {
        throw std::logic_error("Runner::OnBatch after Start");
    }
    if (!impl_->handlers.empty()) {
        throw std::logic_error("Runner::OnBatch together with On");
    }
    if (!handler || max_records == 0) {
        throw std::invalid_argument("Runner::OnBatch: empty handler or max_records 0");
    }
    impl_->on_batch = std::move(handler);
    impl_->batch_max_records = max_records;
    impl_->batch_max_wait = max_wait;
    impl_->batch.reserve(max_records);
    impl_->batch_view.reserve(max_records);
}

void Runner::Start() {
    if (!impl_->options.client.enabled) {
        spdlog::info("kafka disabled: consumer {} not started", impl_->name);
        return;
    }
    if (impl_->started.load()) {
        throw std::logic_error("Runner::Start called twice");
    }
    impl_->Start();
}

bool Runner::Stop(std::chrono::milliseconds deadline) { return impl_->Stop(deadline); }

bool Runner::Stop() { return impl_->Stop(impl_->options.shutdown_deadline); }

bool Runner::Ready() const noexcept { return impl_->ready.load(std::memory_order_acquire); }

std::string Runner::ReadinessDetail() const {
    if (Ready()) {
        return "group " + impl_->options.group_id + " assigned";
    }
    std::string detail = "waiting for a group assignment";
    std::lock_guard lock(impl_->last_error_mutex);
    const auto& last = impl_->last_error;
    if (!last.text.empty() && Clock::now() - last.at < std::chrono::seconds(60)) {
        detail += "; last Kafka error: " + last.text;
    }
    return detail;
}

bool Runner::Enabled() const noexcept { return impl_->options.client.enabled; }

std::vector<TopicPartition> Runner::Assignment() const { return impl_->partitions.Assignment(); }

LagSnapshot Runner::Lag() const { return impl_->lag.Snapshot(); }

RunnerCounts Runner::Counts() const noexcept {
    RunnerCounts counts = impl_->tally.Snapshot();
    counts.fetch_wakeups = impl_->fetch_kicker.Kicks();
    return counts;
}

const std::string& Runner::GroupId() const noexcept { return impl_->options.group_id; }

}  // namespace cosmic::kafka
