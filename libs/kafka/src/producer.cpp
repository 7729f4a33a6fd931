#include "cosmic/kafka/producer.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "cosmic/kafka/auth_hint.hpp"
#include "cosmic/schema/topics.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "cosmic/telemetry/trace.hpp"
#include "property_scope.hpp"
#include "rd_conf.hpp"

namespace cosmic::kafka {
namespace {

using Clock = std::chrono::steady_clock;

/// One destination topic: its librdkafka handle (with the table's compression) and counters.
struct TopicHandle {
    std::string name;
    rd_kafka_topic_t* rkt = nullptr;
    prometheus::Counter* produced = nullptr;
    prometheus::Counter* errors = nullptr;
    prometheus::Counter* skipped = nullptr;
};

}  // namespace

struct Producer::Impl {
    ProducerOptions options;
    bool enabled = true;
    rd_kafka_t* rk = nullptr;

    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Family<prometheus::Counter>* produced_family = nullptr;
    prometheus::Family<prometheus::Counter>* errors_family = nullptr;
    prometheus::Family<prometheus::Counter>* skipped_family = nullptr;

    /// Indexed by TopicId; created once, never changed, so lookups need no lock.
    std::array<std::unique_ptr<TopicHandle>, 6> table_topics;
    std::array<std::unique_ptr<TopicHandle>, 6> dlq_topics;
    /// Topics outside the table (tests, tools), created on first use.
    mutable std::shared_mutex others_mutex;
    std::map<std::string, std::unique_ptr<TopicHandle>, std::less<>> other_topics;

    std::atomic<std::size_t> outstanding{0};
    std::atomic<bool> stopping{false};
    std::atomic<bool> closed{false};
    std::thread poll_thread;
    rd_kafka_queue_t* main_queue = nullptr;

    /// Woken by the delivery thread when reports were served (queue space freed, flush progress).
    std::mutex progress_mutex;
    std::condition_variable progress;
    std::atomic<int> waiters{0};

    mutable std::mutex fatal_mutex;
    KafkaError fatal;
    telemetry::RateLimiter error_log{std::chrono::seconds(5)};

    std::unique_ptr<TopicHandle> MakeTopic(std::string_view name, std::string_view compression);
    TopicHandle& TopicFor(std::string_view name);
    KafkaError Produce(TopicHandle& topic, std::int32_t partition, std::optional<std::string_view> key,
                       std::string_view value, rd_kafka_headers_t* headers, DeliveryCallback callback);
    void WaitForProgress(Clock::time_point until);
    void PollLoop();
    void Skip(TopicHandle& topic, DeliveryCallback& callback);

    static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
    static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
};

std::unique_ptr<TopicHandle> Producer::Impl::MakeTopic(std::string_view name, std::string_view compression) {
    auto handle = std::make_unique<TopicHandle>();
    handle->name = std::string(name);
    const prometheus::Labels labels{{"topic", handle->name}};
    handle->produced = &produced_family->Add(labels);
    handle->errors = &errors_family->Add(labels);
    handle->skipped = &skipped_family->Add(labels);
    if (!enabled) {
        return handle;
    }
    // Start from the client's default topic settings (partitioner, message.timeout.ms, any
    // topic-level property the operator set) and add the table's compression.
    rd_kafka_topic_conf_t* conf = rd_kafka_default_topic_conf_dup(rk);
    char error[512];
    if (!compression.empty() &&
        rd_kafka_topic_conf_set(conf, "compression.type", std::string(compression).c_str(), error, sizeof(error)) !=
            RD_KAFKA_CONF_OK) {
        rd_kafka_topic_conf_destroy(conf);
        throw std::invalid_argument("topic " + handle->name + " compression.type: " + error);
    }
    rd_kafka_topic_conf_set_opaque(conf, handle.get());
    handle->rkt = rd_kafka_topic_new(rk, handle->name.c_str(), conf);  // takes `conf`
    if (handle->rkt == nullptr) {
        throw KafkaException(KafkaError(rd_kafka_last_error(), "cannot create topic handle " + handle->name));
    }
    return handle;
}

TopicHandle& Producer::Impl::TopicFor(std::string_view name) {
    for (const auto& spec : schema::AllTopics()) {
        const auto index = static_cast<std::size_t>(spec.id);
        if (table_topics[index]->name == name) {
            return *table_topics[index];
        }
        if (dlq_topics[index]->name == name) {
            return *dlq_topics[index];
        }
    }
    {
        std::shared_lock lock(others_mutex);
        if (auto it = other_topics.find(name); it != other_topics.end()) {
            return *it->second;
        }
    }
    std::unique_lock lock(others_mutex);
    auto [it, inserted] = other_topics.try_emplace(std::string(name));
    if (inserted) {
        try {
            it->second = MakeTopic(name, {});
        } catch (...) {
            other_topics.erase(it);
            throw;
        }
    }
    return *it->second;
}

void Producer::Impl::Skip(TopicHandle& topic, DeliveryCallback& callback) {
    topic.skipped->Increment();
    if (callback) {
        DeliveryReport report;
        report.topic = topic.name;
        report.skipped = true;
        callback(report);
    }
}

void Producer::Impl::WaitForProgress(Clock::time_point until) {
    std::unique_lock lock(progress_mutex);
    waiters.fetch_add(1, std::memory_order_relaxed);
    progress.wait_until(lock, until);
    waiters.fetch_sub(1, std::memory_order_relaxed);
}

KafkaError Producer::Impl::Produce(TopicHandle& topic, std::int32_t partition, std::optional<std::string_view> key,
                                   std::string_view value, rd_kafka_headers_t* headers,
                                   DeliveryCallback callback) {
    if (closed.load(std::memory_order_acquire)) {
        rd_kafka_headers_destroy(headers);
        topic.errors->Increment();
        return KafkaError(RD_KAFKA_RESP_ERR__DESTROY, "producer closed");
    }
    auto* opaque = callback ? new DeliveryCallback(std::move(callback)) : nullptr;
    const auto deadline = Clock::now() + options.enqueue_timeout;
    outstanding.fetch_add(1, std::memory_order_relaxed);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    const void* key_data = key ? key->data() : nullptr;
    const std::size_t key_size = key ? key->size() : 0;
    void* value_data = const_cast<char*>(value.data());
    for (;;) {
        err = rd_kafka_producev(
            rk, RD_KAFKA_V_RKT(topic.rkt), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_VALUE(value_data, value.size()), RD_KAFKA_V_KEY(key_data, key_size),
            RD_KAFKA_V_HEADERS(headers),
            RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            break;
        }
        // Backpressure: the delivery thread frees space as reports arrive; wait for it, but
        // never longer than the enqueue timeout.
        const auto now = Clock::now();
        if (now >= deadline) {
            break;
        }
        WaitForProgress(std::min(deadline, now + std::chrono::milliseconds(10)));
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};  // librdkafka owns `headers` now
    }
    outstanding.fetch_sub(1, std::memory_order_relaxed);
    rd_kafka_headers_destroy(headers);
    delete opaque;
    topic.errors->Increment();
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        return KafkaError::FatalOf(rk);
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        return KafkaError(err, "local produce queue full for " + std::to_string(options.enqueue_timeout.count()) +
                                   " ms (queue.buffering.max.messages/kbytes)");
    }
    return KafkaError(err);
}

void Producer::Impl::PollLoop() {
    while (!stopping.load(std::memory_order_acquire)) {
        if (rd_kafka_poll(rk, 100) > 0 && waiters.load(std::memory_order_relaxed) > 0) {
            progress.notify_all();
        }
    }
}

void Producer::Impl::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    auto* topic = static_cast<TopicHandle*>(rd_kafka_topic_opaque(message->rkt));
    if (topic != nullptr) {
        (message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? topic->produced : topic->errors)->Increment();
    }
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::uint64_t suppressed = 0;
        if (self->error_log.Allow(suppressed)) {
            spdlog::error("kafka delivery to {} failed: {} ({} similar suppressed)",
                          topic != nullptr ? topic->name : std::string("?"), rd_kafka_err2str(message->err),
                          suppressed);
        }
    }
    std::unique_ptr<DeliveryCallback> callback(static_cast<DeliveryCallback*>(message->_private));
    if (callback) {
        DeliveryReport report;
        report.topic = topic != nullptr ? std::string_view(topic->name) : std::string_view(rd_kafka_topic_name(message->rkt));
        report.partition = message->partition;
        report.offset = message->offset;
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            report.error = message->err == RD_KAFKA_RESP_ERR__FATAL ? KafkaError::FatalOf(self->rk)
                                                                    : KafkaError(message->err);
        }
        (*callback)(report);
    }
    self->outstanding.fetch_sub(1, std::memory_order_release);
}

void Producer::Impl::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        KafkaError fatal = KafkaError::FatalOf(rk);
        spdlog::critical("kafka producer fatal error: {}", fatal.ToString());
        std::lock_guard lock(self->fatal_mutex);
        self->fatal = std::move(fatal);
        return;
    }
    // Bad credentials or an untrusted certificate: an error naming the settings to check.
    if (client_detail::LogAuthError(rk, err, reason, "kafka producer " + self->options.client_id)) {
        return;
    }
    std::uint64_t suppressed = 0;
    if (self->error_log.Allow(suppressed)) {
        spdlog::warn("kafka producer: {}: {} ({} similar suppressed)",
                     rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), reason, suppressed);
    }
}

Producer::Producer(const ClientConfig& config, ProducerOptions options, std::shared_ptr<prometheus::Registry> registry)
    : impl_(std::make_unique<Impl>()) {
    Impl& impl = *impl_;
    impl.options = std::move(options);
    impl.enabled = config.enabled;
    impl.registry = registry ? std::move(registry) : std::make_shared<prometheus::Registry>();
    impl.produced_family = &prometheus::BuildCounter()
                                .Name("cosmic_events_produced_total")
                                .Help("Records acknowledged by Kafka, by topic")
                                .Register(*impl.registry);
    impl.errors_family = &prometheus::BuildCounter()
                              .Name("cosmic_produce_errors_total")
                              .Help("Records that failed to queue or to deliver, by topic")
                              .Register(*impl.registry);
    impl.skipped_family = &prometheus::BuildCounter()
                               .Name("cosmic_produce_skipped_total")
                               .Help("Records not sent because Kafka is disabled, by topic")
                               .Register(*impl.registry);

    if (impl.enabled) {
        client_detail::ConfHandle conf;
        const ProducerOptions& o = impl.options;
        // Defaults first, the operator's properties next, the guarantees last (not overridable).
        conf.Set("client.id", o.client_id);
        conf.Set("linger.ms", std::to_string(o.linger.count()));
        conf.Set("batch.num.messages", std::to_string(o.batch_messages));
        conf.Set("batch.size", std::to_string(o.batch_bytes));
        conf.Set("queue.buffering.max.messages", std::to_string(o.max_queued_messages));
        conf.Set("queue.buffering.max.kbytes", std::to_string(o.max_queued_kbytes));
        conf.Set("message.timeout.ms", std::to_string(o.delivery_timeout.count()));
        // Same key -> same partition as the Java client (and KafkaJS) would choose.
        conf.Set("partitioner", "murmur2_random");
        for (const auto& [name, value] : client_detail::ForProducer(config).properties) {
            conf.Set(name, value);
        }
        conf.Set("enable.idempotence", "true");
        conf.Set("acks", "all");
        rd_kafka_conf_set_dr_msg_cb(conf.Get(), &Impl::OnDelivery);
        rd_kafka_conf_set_error_cb(conf.Get(), &Impl::OnError);
        rd_kafka_conf_set_opaque(conf.Get(), &impl);
        impl.rk = client_detail::NewHandle(RD_KAFKA_PRODUCER, conf);
        impl.main_queue = rd_kafka_queue_get_main(impl.rk);
    }
    try {
        for (const auto& spec : schema::AllTopics()) {
            const auto index = static_cast<std::size_t>(spec.id);
            impl.table_topics[index] = impl.MakeTopic(spec.name, spec.compression);
            impl.dlq_topics[index] = impl.MakeTopic(schema::DlqTopicName(spec.name), spec.compression);
        }
    } catch (...) {
        // The destructor does not run for a half-built object: release what exists.
        for (auto& topic : impl.table_topics) {
            if (topic && topic->rkt) rd_kafka_topic_destroy(topic->rkt);
        }
        for (auto& topic : impl.dlq_topics) {
            if (topic && topic->rkt) rd_kafka_topic_destroy(topic->rkt);
        }
        if (impl.main_queue) rd_kafka_queue_destroy(impl.main_queue);
        if (impl.rk) rd_kafka_destroy(impl.rk);
        throw;
    }
    if (impl.enabled) {
        impl.poll_thread = std::thread([&impl] { impl.PollLoop(); });
    }
}

Producer::~Producer() {
    Close(impl_->options.flush_timeout);
    Impl& impl = *impl_;
    if (!impl.enabled) {
        return;
    }
    auto destroy_topics = [](auto& topics) {
        for (auto& topic : topics) {
            if (topic && topic->rkt) rd_kafka_topic_destroy(topic->rkt);
        }
    };
    destroy_topics(impl.table_topics);
    destroy_topics(impl.dlq_topics);
    for (auto& [name, topic] : impl.other_topics) {
        rd_kafka_topic_destroy(topic->rkt);
    }
    rd_kafka_queue_destroy(impl.main_queue);
    rd_kafka_destroy(impl.rk);
}

std::size_t Producer::Close(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (!impl.enabled || impl.closed.exchange(true)) {
        return 0;
    }
    std::size_t purged = Flush(timeout);
    if (purged > 0) {
        // Fail what is left so every callback still runs (with a purge error).
        rd_kafka_purge(impl.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        Flush(std::chrono::milliseconds(200));
    }
    impl.stopping.store(true, std::memory_order_release);
    rd_kafka_queue_yield(impl.main_queue);
    impl.poll_thread.join();
    // Reports that arrived after the delivery thread stopped are served here, so none is lost.
    rd_kafka_poll(impl.rk, 0);
    return purged;
}

KafkaError Producer::Publish(const schema::Event& event, const PublishOptions& options, DeliveryCallback callback) {
    Impl& impl = *impl_;
    TopicHandle& topic = *impl.table_topics[static_cast<std::size_t>(event.topic)];
    if (!impl.enabled) {
        impl.Skip(topic, callback);
        return {};
    }
    // One buffer per thread: serialization reuses its capacity instead of allocating per event.
    thread_local std::string buffer;
    schema::Serialize(event, buffer);

    rd_kafka_headers_t* headers = rd_kafka_headers_new(5 + options.headers.size());
    auto add = [headers](std::string_view name, std::string_view value) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
    };
    char version[16];
    const auto [end, ec] = std::to_chars(std::begin(version), std::end(version), event.schema_version);
    add(header::kEventType, event.event_type);
    add(header::kSchemaVersion, std::string_view(version, ec == std::errc() ? end - version : 0));
    add(header::kCorrelationId, event.correlation_id);
    add(header::kContentType, header::kJsonContentType);
    if (options.traceparent.empty()) {
        add(header::kTraceparent, telemetry::NewTrace().ToTraceparent());
    } else {
        add(header::kTraceparent, options.traceparent);
    }
    for (const Header& extra : options.headers) {
        add(extra.name, extra.value);
    }
    const std::string_view key = event.Key();
    return impl.Produce(topic, RD_KAFKA_PARTITION_UA, key.empty() ? std::nullopt : std::optional(key), buffer,
                        headers, std::move(callback));
}

KafkaError Producer::Send(const OutgoingMessage& message, DeliveryCallback callback) {
    Impl& impl = *impl_;
    TopicHandle& topic = impl.TopicFor(message.topic);
    if (!impl.enabled) {
        impl.Skip(topic, callback);
        return {};
    }
    rd_kafka_headers_t* headers = rd_kafka_headers_new(message.headers.size());
    for (const Header& h : message.headers) {
        rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                            static_cast<ssize_t>(h.value.size()));
    }
    return impl.Produce(topic, message.partition.value_or(RD_KAFKA_PARTITION_UA), message.key, message.value, headers,
                        std::move(callback));
}

std::size_t Producer::Flush(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (!impl.enabled) {
        return 0;
    }
    const auto deadline = Clock::now() + timeout;
    while (impl.outstanding.load(std::memory_order_acquire) > 0) {
        const auto now = Clock::now();
        if (now >= deadline) {
            break;
        }
        impl.WaitForProgress(std::min(deadline, now + std::chrono::milliseconds(10)));
    }
    const std::size_t left = impl.outstanding.load(std::memory_order_acquire);
    if (left > 0) {
        spdlog::warn("kafka producer flush: {} record(s) still undelivered after {} ms", left, timeout.count());
    }
    return left;
}

std::size_t Producer::Outstanding() const noexcept {
    return impl_->outstanding.load(std::memory_order_acquire);
}

bool Producer::Enabled() const noexcept {
    return impl_->enabled;
}

KafkaError Producer::Fatal() const {
    std::lock_guard lock(impl_->fatal_mutex);
    return impl_->fatal;
}

}  // namespace cosmic::kafka
