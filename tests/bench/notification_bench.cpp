// notification_bench: notification-consumer's numbers, each beside a baseline measured in the
// same run, on an in-process mock cluster (job-lifecycle, 10 partitions, gzip as in the table).
//
//   notification_bench [--events N] [--deliveries N] [--workers N] [--rounds N] [--durable 0|1]
//
//   skip path   N non-terminal lifecycle events (job.queued / job.running, ~330 bytes) consumed by
//               the whole service (ServiceHost, as RunMain assembles it: runner, batch handler,
//               metrics) vs a raw librdkafka poll loop in a fresh group (baseline). Events/s from
//               the first to the last record; best of --rounds.
//   email       N job.completed events for users with only the email channel, delivered by the
//               service to an in-process SMTP server (mail accepted, outcome recorded in SQLite,
//               notification.sent acknowledged by Kafka) vs the same number of mails sent straight
//               from --workers threads with the same SMTP client (baseline: no Kafka, no store).
//   webhook     the same with only the webhook channel, to a local civetweb receiver that checks
//               each signature, vs signed POSTs straight from --workers threads.
//
// Build in Release (the ci preset is RelWithDebInfo) for meaningful numbers.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/notification_consumer/notification.hpp"
#include "cosmic/notification_consumer/notification_service.hpp"
#include "cosmic/notification_consumer/smtp_client.hpp"
#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/service/kit.hpp"
#include "notify_test_support.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace schema = cosmic::schema;
namespace service = cosmic::service;
namespace notification = cosmic::notification;
namespace support = cosmic::notification::testing;
using cosmic::bench::Set;

constexpr const char* kTopic = "job-lifecycle";
const std::string kSecret = "whsec-bench-0123456789";

long Flag(int argc, char** argv, const char* name, long fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0) return std::atol(argv[i + 1]);
    }
    return fallback;
}

/// Produces `events` lifecycle events: non-terminal (alternating queued/running) or job.completed.
std::size_t Produce(const std::string& bootstrap, long events, bool terminal, int users) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", bootstrap);
    Set(conf, "compression.type", "gzip");
    Set(conf, "linger.ms", "20");
    Set(conf, "queue.buffering.max.messages", "1000000");
    char error[256];
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    if (producer == nullptr) throw std::runtime_error(error);
    std::size_t bytes = 0;
    for (long i = 0; i < events; ++i) {
        const std::string job = "job-" + std::to_string(i);
        const char* type = terminal ? "job.completed" : (i % 2 ? "job.running" : "job.queued");
        const std::string value =
            support::LifecycleJson(schema::NewUuid(), type, job, "user-" + std::to_string(i % users));
        bytes += value.size();
        while (true) {
            const rd_kafka_resp_err_t err =
                rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_KEY(job.data(), job.size()),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(err));
            rd_kafka_poll(producer, 10);
        }
        rd_kafka_poll(producer, 0);
    }
    if (rd_kafka_flush(producer, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("flush timed out");
    rd_kafka_destroy(producer);
    return bytes / static_cast<std::size_t>(events);
}

/// The service in-process; `done` says when the run is complete, `started` when it began.
double RunService(service::Environment env,
                  const std::function<std::uint64_t(notification::NotificationService&)>& progress,
                  std::uint64_t target) {
    service::ServiceHost<notification::NotificationService> host("notification-consumer", env);
    std::thread runner([&] { host.GetRuntime().Run(); });
    if (!host.GetRuntime().WaitUntilRunning(Clock::now() + std::chrono::seconds(30))) {
        throw std::runtime_error("service did not start");
    }
    Clock::time_point start;
    bool started = false;
    const auto give_up = Clock::now() + std::chrono::minutes(5);
    std::uint64_t now = 0;
    // Sampling the service's own counters every millisecond: the runs take seconds.
    while ((now = progress(host.Service())) < target && Clock::now() < give_up) {
        if (!started && now > 0) {
            start = Clock::now();
            started = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    host.GetRuntime().RequestStop();
    runner.join();
    if (now < target)
        std::fprintf(stderr, "service reached %llu of %llu\n", static_cast<unsigned long long>(now),
                     static_cast<unsigned long long>(target));
    return static_cast<double>(now) / seconds;
}

service::Environment BaseEnv(const std::string& bootstrap, const support::ScratchDir& dir, const std::string& group) {
    service::Environment env;
    env["KAFKA_BOOTSTRAP_SERVERS"] = bootstrap;
    env["COSMIC_HTTP_PORT"] = "0";
    env["COSMIC_HTTP_BIND"] = "127.0.0.1";
    env["COSMIC_TOKENS_FILE"] = support::WriteTokensFile(dir.Path(), {{"t", "user-0"}});
    env["COSMIC_INSTANCE_ID"] = "bench-1";
    env["COSMIC_DATA_DIR"] = (dir.Path() / ("data-" + group)).string();
    env["COSMIC_LOG_LEVEL"] = "warn";
    env["COSMIC_HEARTBEAT_INTERVAL_MS"] = "0";
    env["COSMIC_CONSUMER_GROUP_ID"] = group;
    env["COSMIC_SMTP_STARTTLS"] = "off";
    return env;
}

/// The same sends straight from `workers` threads (no Kafka, no store).
template <class Send>
double Direct(long total, long workers, Send send) {
    std::atomic<long> next{0};
    std::vector<std::thread> threads;
    const auto start = Clock::now();
    for (long w = 0; w < workers; ++w) {
        threads.emplace_back([&] {
            auto sender = send();
            while (next.fetch_add(1) < total) sender();
        });
    }
    for (auto& t : threads) t.join();
    return static_cast<double>(total) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const long events = Flag(argc, argv, "--events", 200'000);
    const long deliveries = Flag(argc, argv, "--deliveries", 5'000);
    const long workers = Flag(argc, argv, "--workers", 8);
    const long rounds = Flag(argc, argv, "--rounds", 3);
    const bool durable = Flag(argc, argv, "--durable", 1) != 0;
    const int users = 100;
    cosmic::kafka::MockCluster cluster(3);
    cluster.CreateTopic(kTopic, 10, 1);
    cluster.CreateTopic("notifications", 5, 1);
    cluster.CreateTopic("system-health", 3, 1);
    cluster.CreateTopic("job-lifecycle.dlq", 10, 1);
    support::ScratchDir dir;

    // --- skip path ---------------------------------------------------------------------------
    const std::size_t size = Produce(cluster.Bootstraps(), events, false, users);
    double best_raw = 0;
    double best_service = 0;
    for (long r = 0; r < rounds; ++r) {
        std::size_t touched = 0;  // read the record, as any consumer would
        const cosmic::bench::Phase raw =
            cosmic::bench::RawLoop(cluster.Bootstraps(), "raw-" + std::to_string(r), kTopic, events,
                                   [&](const rd_kafka_message_t* m) { touched += m->len; });
        if (touched == 0 || raw.events < events) std::fprintf(stderr, "raw loop saw %ld of %ld\n", raw.events, events);
        best_raw = std::max(best_raw, raw.PerSecond());
        best_service =
            std::max(best_service, RunService(
                                       BaseEnv(cluster.Bootstraps(), dir, "skip-" + std::to_string(r)),
                                       [](notification::NotificationService& s) { return s.Metrics().SkippedEvents(); },
                                       static_cast<std::uint64_t>(events)));
    }
    std::printf("notification_bench: %ld non-terminal events of ~%zu bytes, 10 partitions, best of %ld\n", events, size,
                rounds);
    std::printf("%-34s %12s %9s\n", "skip path", "events/s", "vs raw");
    std::printf("%-34s %12.0f %8.1f%%\n", "raw librdkafka poll loop", best_raw, 100.0);
    std::printf("%-34s %12.0f %8.1f%%\n", "notification-consumer (skip path)", best_service,
                100.0 * best_service / best_raw);

    // --- deliveries ----------------------------------------------------------------------------
    // Fresh topic contents: the terminal events go to a second cluster.
    cosmic::kafka::MockCluster delivery_cluster(3);
    delivery_cluster.CreateTopic(kTopic, 10, 1);
    delivery_cluster.CreateTopic("notifications", 5, 1);
    delivery_cluster.CreateTopic("system-health", 3, 1);
    delivery_cluster.CreateTopic("job-lifecycle.dlq", 10, 1);
    Produce(delivery_cluster.Bootstraps(), deliveries, true, users);
    support::SmtpSink sink;
    std::map<std::string, std::string> secrets;
    for (int u = 0; u < users; ++u) secrets["user-" + std::to_string(u)] = kSecret;
    support::WebhookReceiver receiver(secrets);

    auto users_file = [&](const char* channel) {
        std::string json = R"({"users":[)";
        for (int u = 0; u < users; ++u) {
            const std::string id = "user-" + std::to_string(u);
            if (u > 0) json += ",";
            json += R"({"user_id":")" + id + R"(","email":")" + id + R"(@example.com","webhook_url":")" +
                    receiver.UrlFor(id) + R"(","webhook_secret":")" + kSecret + R"(","channels":[")" + channel +
                    R"("]})";
        }
        const auto path = dir.Path() / (std::string(channel) + "-users.json");
        support::WriteFile(path, json + "]}");
        return path.string();
    };
    auto delivery_env = [&](const char* channel) {
        service::Environment env = BaseEnv(delivery_cluster.Bootstraps(), dir, std::string(channel));
        env["COSMIC_USERS_FILE"] = users_file(channel);
        env["COSMIC_SMTP_URL"] = sink.Url();
        env["COSMIC_DELIVERY_WORKERS"] = std::to_string(workers);
        env["COSMIC_STORE_DURABLE"] = durable ? "true" : "false";
        return env;
    };
    auto sent = [](notification::NotificationService& s) {
        return s.Metrics().Total(notification::DeliveryState::kSent);
    };
    const double email = RunService(delivery_env("email"), sent, static_cast<std::uint64_t>(deliveries));
    const double webhook = RunService(delivery_env("webhook"), sent, static_cast<std::uint64_t>(deliveries));

    notification::SmtpSettings smtp;
    smtp.url = sink.Url();
    smtp.from = "bench@cosmic.test";
    smtp.starttls = notification::StartTls::kOff;
    const std::string mail =
        "From: <bench@cosmic.test>\r\nTo: <u@example.com>\r\nSubject: Job bench completed\r\n\r\n" +
        std::string(400, 'x') + "\r\n";
    const double direct_mail = Direct(deliveries, workers, [&] {
        auto client = std::make_shared<notification::SmtpClient>(smtp, nullptr);
        return [client, &mail] { client->Send("u@example.com", mail); };
    });
    const std::string body = std::string(R"({"id":"x","outcome":"completed","pad":")") + std::string(400, 'x') + "\"}";
    const double direct_hook = Direct(deliveries, workers, [&] {
        auto client = std::make_shared<notification::WebhookClient>(notification::WebhookSettings{}, nullptr);
        return [client, &receiver, &body] {
            client->Post(receiver.UrlFor("user-0"), kSecret, body, "d", schema::NowEpochMs());
        };
    });
    std::printf(
        "\n%ld terminal events, %ld delivery threads; the service records each outcome in SQLite "
        "(store.durable=%s) and waits for Kafka to acknowledge its receipt\n",
        deliveries, workers, durable ? "true" : "false");
    std::printf("%-34s %12s %12s %9s\n", "deliveries", "service/s", "direct/s", "ratio");
    std::printf("%-34s %12.0f %12.0f %8.1f%%\n", "email to the SMTP sink", email, direct_mail,
                100.0 * email / direct_mail);
    std::printf("%-34s %12.0f %12.0f %8.1f%%\n", "webhook to the receiver (signed)", webhook, direct_hook,
                100.0 * webhook / direct_hook);
    std::printf("mails received %zu, webhooks received %zu; peak RSS %ld MiB\n", sink.Count(), receiver.Count(),
                cosmic::bench::MaxRssMb());
    return 0;
}
