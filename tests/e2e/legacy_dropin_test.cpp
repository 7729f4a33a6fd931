// Beside the original (NestJS/KafkaJS) stack during a migration: consumers configured the way the
// original system is (KAFKA_BROKERS, KAFKA_SSL, lower-case SASL mechanism names) start with a
// warning naming the canonical keys, and events shaped as in the reference documents
// (`job.metrics_recorded`, `job.status.changed` with the status in the payload) are handled as
// this suite's job.metrics and job.<status>.

#include <gtest/gtest.h>

#include "stack.hpp"
#include "support/json.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::seconds;

TEST(LegacyDropInE2E, OriginalSettingsAndEventNamesAreHandled) {
    StackOptions options;
    options.only = {"metrics-consumer", "notification-consumer"};
    options.health = false;
    for (const std::string name : {"metrics-consumer", "notification-consumer"}) {
        options.env[name] = {{"KAFKA_BROKERS", Cluster().bootstrap}, {"KAFKA_SSL", "false"}};
    }
    Stack stack("legacy_dropin", options);
    ASSERT_NO_THROW(stack.StartAll());
    for (ServiceProcess* service : stack.Services()) {
        const std::string log = service->LogTail(1 << 20);
        EXPECT_NE(log.find("KAFKA_BROKERS is deprecated: read as KAFKA_BOOTSTRAP_SERVERS"), std::string::npos)
            << service->Name();
        EXPECT_NE(log.find("KAFKA_SSL is deprecated: read as KAFKA_SECURITY_PROTOCOL=PLAINTEXT"), std::string::npos)
            << service->Name();
    }

    // job.metrics_recorded: 40 samples of 4 jobs, aggregated as job.metrics.
    const std::string metrics_prefix =
        stack.ProduceEvents({.topic = "job-metrics", .count = 40, .shape = "legacy-names", .jobs = 4});
    HttpClient metrics(stack.Metrics().BaseUrl());
    EXPECT_TRUE(WaitUntil(
        [&] {
            for (int i = 0; i < 4; ++i) {
                const HttpResponse job = metrics.Get("/api/v1/metrics/jobs/" + metrics_prefix + "-" + std::to_string(i),
                                                     kUserToken);
                if (job.status != 200 || IntField(JsonDoc(job.body).Root(), "samples").value_or(0) != 10) return false;
            }
            return true;
        },
        seconds(60)))
        << "metrics-consumer did not aggregate the job.metrics_recorded samples";

    // job.status.changed: three jobs through submitted, queued, running, completed; each finished
    // job notified by mail, in-app and webhook.
    const std::string lifecycle_prefix = stack.ProduceEvents(
        {.topic = "job-lifecycle", .count = 12, .shape = "legacy-names", .jobs = 3, .failure_percent = 0});
    FinalStatus jobs;
    for (int i = 0; i < 3; ++i) jobs[lifecycle_prefix + "-" + std::to_string(i)] = "completed";
    stack.CheckNotifications(jobs);

    // Nothing of it was dead-lettered.
    const HttpResponse text = HttpClient(stack.Metrics().BaseUrl()).Get("/metrics");
    EXPECT_EQ(text.body.find("outcome=\"dead_lettered\"} 1"), std::string::npos);
    stack.StopAll();
}

}  // namespace
}  // namespace cosmic::e2e
