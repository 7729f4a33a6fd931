#include "event_load.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
using schema::TopicId;

constexpr std::uint64_t kLifecycleStages = 4;  // submitted, queued, running, terminal

std::optional<std::string> ParseShape(std::string_view text, Shape& shape) {
    if (text == "valid") shape = Shape::kValid;
    else if (text == "malformed") shape = Shape::kMalformed;
    else if (text == "missing-fields") shape = Shape::kMissingFields;
    else if (text == "legacy-names") shape = Shape::kLegacyNames;
    else return "--shape must be valid, malformed, missing-fields or legacy-names";
    return std::nullopt;
}

std::string DefaultPrefix() {
    std::random_device random;
    std::ostringstream out;
    out << "load-" << std::hex << (static_cast<std::uint32_t>(random()) & 0xffffff);
    return out.str();
}

/// The job's terminal state: failure_percent of jobs fail, spread evenly.
bool JobFails(const EventLoadOptions& options, std::uint64_t job) {
    return static_cast<int>((job * 37) % 100) < options.failure_percent;
}

/// job-lifecycle event i: jobs advance through their stages in blocks of `jobs` so the topic
/// interleaves jobs while each job's events stay in order.
void FillLifecycle(const EventLoadOptions& options, std::uint64_t i, schema::Event& event) {
    const std::uint64_t block_size = options.jobs * kLifecycleStages;
    const std::uint64_t block = i / block_size;
    const std::uint64_t position = i % block_size;
    const std::uint64_t stage = position / options.jobs;
    const std::uint64_t job = block * options.jobs + position % options.jobs;
    event.job_id = options.job_prefix + "-" + std::to_string(job);
    const bool fails = JobFails(options, job);
    static constexpr std::string_view kStages[] = {"submitted", "queued", "running"};
    const std::string status = stage < 3 ? std::string(kStages[stage]) : (fails ? "failed" : "completed");
    event.event_type = "job." + status;
    std::string payload;
    schema::JsonWriter w(payload);
    w.BeginObject();
    if (options.shape == Shape::kLegacyNames) {
        event.event_type = schema::kLegacyStatusChanged;
        w.Key("status").String(status);
    }
    w.Key("name").String("load job " + std::to_string(job));
    w.Key("kind").String("loadgen");
    if (status == "completed") {
        w.Key("execution_time_ms").Int(static_cast<std::int64_t>(1000 + job % 5000));
    } else if (status == "failed") {
        w.Key("execution_time_ms").Int(static_cast<std::int64_t>(500 + job % 1000));
        w.Key("error").String("simulated failure of job " + std::to_string(job));
        w.Key("error_code").String("E_LOAD");
    }
    w.EndObject();
    event.payload = std::move(payload);
}

void FillMetrics(const EventLoadOptions& options, std::uint64_t i, schema::Event& event) {
    const std::uint64_t job = i % options.jobs;
    event.job_id = options.job_prefix + "-" + std::to_string(job);
    event.event_type = options.shape == Shape::kLegacyNames ? std::string(schema::kLegacyMetricsRecorded) : "job.metrics";
    schema::MetricsSample sample;
    sample.cpu_percent = static_cast<double>((i * 7) % 400) / 4.0;
    sample.memory_mb = 256.0 + static_cast<double>((i * 13) % 4096);
    sample.io_read_mb = static_cast<double>(i % 50) / 10.0;
    sample.io_write_mb = static_cast<double>(i % 30) / 10.0;
    sample.execution_time_ms = static_cast<std::int64_t>((i / options.jobs + 1) * 1000);
    sample.sampled_at = event.occurred_at;
    event.payload = schema::MetricsPayload(sample);
}

void FillAudit(const EventLoadOptions& options, std::uint64_t i, schema::Event& event) {
    const std::uint64_t job = i % options.jobs;
    event.resource_id = options.job_prefix + "-" + std::to_string(job);
    event.job_id = event.resource_id;
    event.action = schema::AuditAction::kStateChange;
    event.event_type = std::string(schema::AuditEventType(event.action));
    event.payload = R"({"from":"queued","to":"running","resource_type":"job"})";
}

void FillHealth(const EventLoadOptions& options, std::uint64_t i, schema::Event& event) {
    event.component_id = options.job_prefix + "-component-" + std::to_string(i % options.jobs);
    event.event_type = "health.heartbeat";
    event.status = schema::HealthStatus::kHealthy;
    event.metrics = R"({"uptime_s":1,"processed_per_second":0})";
}

/// A JSON envelope without the topic's key field (and without job_id): a missing required field.
std::string MissingFieldsJson(TopicId topic, std::string_view event_type) {
    std::string out;
    schema::JsonWriter w(out);
    w.BeginObject();
    w.Key("event_id").String(schema::NewUuid());
    w.Key("event_type").String(event_type);
    w.Key("schema_version").Int(schema::kSchemaVersion);
    w.Key("occurred_at").String(schema::FormatTimestamp(schema::NowEpochMs()));
    w.Key("source").String("loadgen");
    w.Key("correlation_id").String(schema::NewUuid());
    if (topic == TopicId::kAuditTrail) w.Key("action").String("STATE_CHANGE");
    w.Key("payload").BeginObject().EndObject();
    w.EndObject();
    return out;
}

struct DeliveryTally {
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<std::uint64_t> failed{0};
    std::string first_error;
    std::atomic<bool> has_error{false};
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    auto* tally = static_cast<DeliveryTally*>(opaque);
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        tally->delivered.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    tally->failed.fetch_add(1, std::memory_order_relaxed);
    if (!tally->has_error.exchange(true)) tally->first_error = rd_kafka_err2str(message->err);
}

}  // namespace

std::string EventUsage() {
    return "usage: loadgen events --brokers HOST:PORT[,...] --topic TOPIC [--count N] [--rate R] [--jobs J]\n"
           "                      [--shape valid|malformed|missing-fields|legacy-names] [--user ID]\n"
           "                      [--job-prefix P] [--failure-percent P] [--property K=V]... [--timeout-ms MS]\n"
           "                      [--backdate-ms MS]\n"
           "Produces N realistic events to TOPIC (job-lifecycle, job-metrics, audit-trail, system-health) at R/s\n"
           "(0 = as fast as possible), keyed like the suite's publishers, and waits for every acknowledgement.\n";
}

std::optional<std::string> ParseEventArgs(int argc, const char* const* argv, EventLoadOptions& options, bool& help) {
    help = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            help = true;
            return std::nullopt;
        }
        if (i + 1 >= argc) return std::string(arg) + " needs a value";
        const std::string value = argv[++i];
        try {
            if (arg == "--brokers") options.brokers = value;
            else if (arg == "--topic") options.topic = value;
            else if (arg == "--count") options.count = std::stoull(value);
            else if (arg == "--rate") options.rate = std::stod(value);
            else if (arg == "--jobs") options.jobs = std::stoull(value);
            else if (arg == "--user") options.user_id = value;
            else if (arg == "--job-prefix") options.job_prefix = value;
            else if (arg == "--failure-percent") options.failure_percent = std::stoi(value);
            else if (arg == "--timeout-ms") options.timeout_ms = std::stoi(value);
            else if (arg == "--backdate-ms") options.backdate_ms = std::stoll(value);
            else if (arg == "--shape") {
                if (auto error = ParseShape(value, options.shape)) return error;
            } else if (arg == "--property") {
                const auto eq = value.find('=');
                if (eq == std::string::npos || eq == 0) return "--property needs KEY=VALUE, got '" + value + "'";
                options.properties[value.substr(0, eq)] = value.substr(eq + 1);
            } else {
                return "unknown option " + std::string(arg);
            }
        } catch (const std::exception&) {
            return std::string(arg) + ": not a number: '" + value + "'";
        }
    }
    const schema::TopicSpec* spec = schema::FindTopic(options.topic);
    if (spec == nullptr || spec->id == TopicId::kNotifications || spec->id == TopicId::kJobCommands) {
        return "--topic must be job-lifecycle, job-metrics, audit-trail or system-health";
    }
    if (options.jobs == 0) return "--jobs must be at least 1";
    if (options.rate < 0) return "--rate must not be negative";
    if (options.backdate_ms < 0) return "--backdate-ms must not be negative";
    if (options.failure_percent < 0 || options.failure_percent > 100) return "--failure-percent must be 0-100";
    return std::nullopt;
}

GeneratedEvent MakeEvent(const EventLoadOptions& options, TopicId topic, std::uint64_t i) {
    GeneratedEvent out;
    if (options.shape == Shape::kMalformed) {
        out.key = options.job_prefix + "-" + std::to_string(i % options.jobs);
        out.value = "{\"event_id\": \"not json at all " + std::to_string(i) + "\", oops";
        return out;
    }
    schema::Event event = schema::NewEvent(topic, "", "loadgen");
    if (options.backdate_ms > 0) {
        event.occurred_at_ms -= options.backdate_ms;
        event.occurred_at = schema::FormatTimestamp(event.occurred_at_ms);
    }
    event.user_id = options.user_id;
    event.correlation_id = schema::NewUuid();
    switch (topic) {
        case TopicId::kJobLifecycle:
            FillLifecycle(options, i, event);
            break;
        case TopicId::kJobMetrics:
            FillMetrics(options, i, event);
            break;
        case TopicId::kAuditTrail:
            FillAudit(options, i, event);
            break;
        case TopicId::kSystemHealth:
            FillHealth(options, i, event);
            break;
        default:
            throw std::invalid_argument("loadgen produces no events for this topic");
    }
    out.key = std::string(event.Key());
    out.value = options.shape == Shape::kMissingFields ? MissingFieldsJson(topic, event.event_type)
                                                       : schema::Serialize(event);
    return out;
}

EventLoadReport RunEvents(const EventLoadOptions& given) {
    EventLoadOptions options = given;
    if (options.job_prefix.empty()) options.job_prefix = DefaultPrefix();
    const TopicId topic = schema::FindTopic(options.topic)->id;

    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> properties = {{"bootstrap.servers", options.brokers},
                                                     {"enable.idempotence", "true"},
                                                     {"acks", "all"},
                                                     {"linger.ms", "5"},
                                                     {"client.id", "loadgen"}};
    for (const auto& [name, value] : options.properties) properties[name] = value;
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error("librdkafka property " + name + ": " + error);
        }
    }
    DeliveryTally tally;
    rd_kafka_conf_set_opaque(conf, &tally);
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> producer(
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), &rd_kafka_destroy);
    if (!producer) {
        throw std::runtime_error(std::string("cannot create the producer: ") + error);
    }

    EventLoadReport report;
    report.job_prefix = options.job_prefix;
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < options.count; ++i) {
        if (options.rate > 0) {
            const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i) / options.rate));
            const auto now = Clock::now();
            if (due > now) {
                std::this_thread::sleep_until(due);
            } else {
                report.max_behind_ms =
                    std::max(report.max_behind_ms, std::chrono::duration<double, std::milli>(now - due).count());
            }
        }
        GeneratedEvent event = MakeEvent(options, topic, i);
        while (true) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                producer.get(), RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(event.key.data(), event.key.size()),
                RD_KAFKA_V_VALUE(event.value.data(), event.value.size()), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                tally.failed.fetch_add(1);
                if (!tally.has_error.exchange(true)) tally.first_error = rd_kafka_err2str(err);
                break;
            }
            rd_kafka_poll(producer.get(), 10);  // the queue drains as acknowledgements arrive
        }
        rd_kafka_poll(producer.get(), 0);
    }
    if (const rd_kafka_resp_err_t err = rd_kafka_flush(producer.get(), options.timeout_ms); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (!tally.has_error.exchange(true)) tally.first_error = std::string("flush: ") + rd_kafka_err2str(err);
    }
    report.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    report.produced = tally.delivered.load();
    report.failed = tally.failed.load() + (options.count - std::min(options.count, report.produced + tally.failed.load()));
    report.produced_per_second = report.elapsed_seconds > 0 ? static_cast<double>(report.produced) / report.elapsed_seconds : 0;
    report.first_error = tally.first_error;
    return report;
}

std::string FormatEvents(const EventLoadReport& report, const EventLoadOptions& options) {
    char line[512];
    std::string out;
    std::snprintf(line, sizeof line, "target      %s  topic %s  events %llu  rate %s  jobs %llu (%s-*)\n",
                  options.brokers.c_str(), options.topic.c_str(), static_cast<unsigned long long>(options.count),
                  options.rate > 0 ? (std::to_string(static_cast<long long>(options.rate)) + "/s").c_str() : "max",
                  static_cast<unsigned long long>(options.jobs), report.job_prefix.c_str());
    out += line;
    std::snprintf(line, sizeof line, "produced    %llu / %llu in %.2f s  =  %.1f events/s (acknowledged)\n",
                  static_cast<unsigned long long>(report.produced), static_cast<unsigned long long>(options.count),
                  report.elapsed_seconds, report.produced_per_second);
    out += line;
    std::snprintf(line, sizeof line, "schedule    max %.1f ms behind\n", report.max_behind_ms);
    out += line;
    std::snprintf(line, sizeof line, "errors      %llu%s%s\n", static_cast<unsigned long long>(report.failed),
                  report.first_error.empty() ? "" : "  first: ", report.first_error.c_str());
    out += line;
    return out;
}

}  // namespace cosmic::loadgen
