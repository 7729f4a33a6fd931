// Seed scenarios 15 and 16 on the real audit-consumer binary: retention purges the events older
// than its window while every chain still verifies and the report says so; a row changed in the
// store file behind the service's back is named by the API's verification and by `cosmicctl audit
// verify`. Its own audit-consumer (a fresh consumer group that starts at the end of audit-trail),
// so the old events are the first rows of every chain they land in.

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>

#include "stack.hpp"
#include "support/broker_control.hpp"
#include "support/json.hpp"
#include "support/metrics_text.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr long long kDayMs = 24LL * 3600 * 1000;

struct Report {
    std::int64_t total = -1;
    std::int64_t overdue = -1;
    bool compliant = false;
    bool verified = false;
    std::string body;
};

Report ComplianceReport(ServiceProcess& audit) {
    Report report;
    const HttpResponse result = HttpClient(audit.BaseUrl()).Get("/api/v1/audit/compliance-report", kAuditorToken);
    if (result.status != 200) return report;
    const JsonDoc doc(result.body);
    report.total = IntField(doc.Root(), "total_events").value_or(-1);
    report.overdue = IntField(doc.Root()["retention"], "overdue_events").value_or(-1);
    report.compliant = BoolField(doc.Root()["retention"], "compliant").value_or(false);
    report.verified = BoolField(doc.Root(), "chain_verified").value_or(false);
    report.body = result.body;
    return report;
}

double Purged(ServiceProcess& audit) {
    const HttpResponse metrics = HttpClient(audit.BaseUrl()).Get("/metrics");
    return MetricValue(metrics.body, "cosmic_audit_purged_rows_total").value_or(-1);
}

TEST(AuditStoreE2E, S15RetentionPurgesOldEventsAndS16TamperingIsNamed) {
    StackOptions options;
    options.only = {"audit-consumer"};
    options.notifications = false;
    options.health = false;
    options.env["audit-consumer"] = {{"COSMIC_AUDIT_RETENTION_DAYS", "30"},
                                     {"COSMIC_AUDIT_PURGE_INTERVAL_MS", "1000"},
                                     {"COSMIC_CONSUMER_GROUP_ID", "audit-retention-e2e-" + std::to_string(::getpid())},
                                     {"KAFKA_AUTO_OFFSET_RESET", "latest"}};
    Stack stack("audit_store", options);
    ASSERT_NO_THROW(stack.StartAll());
    ServiceProcess& audit = stack.Audit();

    // The group starts at the end: probe with old events until one is stored, so every partition's
    // position is resolved before the measured load.
    const long long old_age = 100 * kDayMs;
    ASSERT_TRUE(WaitUntil(
        [&] {
            stack.ProduceEvents({.topic = "audit-trail", .count = 6, .jobs = 6, .backdate_ms = old_age});
            return WaitUntil([&] { return ComplianceReport(audit).total > 0 || Purged(audit) > 0; }, seconds(5));
        },
        seconds(90)));

    // 60 events 100 days old, then 20 of today.
    stack.ProduceEvents({.topic = "audit-trail", .count = 60, .jobs = 30, .backdate_ms = old_age});
    const std::string recent = stack.ProduceEvents({.topic = "audit-trail", .count = 20, .jobs = 20});
    Report report;
    const auto start = Clock::now();
    EXPECT_TRUE(WaitUntil(
        [&] {
            report = ComplianceReport(audit);
            return report.total == 20 && report.overdue == 0;
        },
        seconds(90), milliseconds(500)))
        << "the old events were not purged: " << report.body.substr(0, 1500);
    Stack::RecordTiming("s15_purged", ElapsedMs(start));
    EXPECT_TRUE(report.compliant) << report.body.substr(0, 1500);
    EXPECT_TRUE(report.verified) << "the chains do not verify after the purge: " << report.body.substr(0, 1500);
    EXPECT_GE(Purged(audit), 60);
    const HttpResponse verify = HttpClient(audit.BaseUrl()).Get("/api/v1/audit/verify", kAuditorToken);
    ASSERT_EQ(verify.status, 200);
    EXPECT_EQ(BoolField(JsonDoc(verify.body).Root(), "ok"), std::optional<bool>(true)) << verify.body;
    std::cout << "[e2e] retention: purged " << Purged(audit) << " rows older than 30 days; kept " << report.total
              << "; chain verified " << report.verified << std::endl;

    // S16: change a stored row in the file (the append-only trigger dropped first, as an attacker
    // with file access can) while the service runs; both verifiers name that row.
    const std::filesystem::path db = audit.DataDir() / "audit.db";
    const HttpResponse rows = HttpClient(audit.BaseUrl()).Get("/api/v1/audit?limit=5&order=desc", kAuditorToken);
    ASSERT_EQ(rows.status, 200);
    const JsonDoc rows_doc(rows.body);
    simdjson::dom::array events;
    ASSERT_EQ(rows_doc.Root()["events"].get_array().get(events), simdjson::SUCCESS);
    ASSERT_GT(events.size(), 2U);
    const std::int64_t row_id = IntField(events.at(2), "row_id").value_or(-1);
    const std::string sql = "DROP TRIGGER IF EXISTS audit_events_append_only; UPDATE audit_events SET payload = "
                            "'{\"to\":\"completed\",\"note\":\"rewritten\"}' WHERE row_id = " +
                            std::to_string(row_id) + ";";
    ASSERT_EQ(RunCommand({"/usr/bin/sqlite3", db.string(), sql}, stack.RunDir() / "tamper.log"), 0)
        << "sqlite3 could not change the row; see " << (stack.RunDir() / "tamper.log");

    const HttpResponse tampered = HttpClient(audit.BaseUrl()).Get("/api/v1/audit/verify", kAuditorToken);
    ASSERT_EQ(tampered.status, 200) << tampered.Describe();
    const JsonDoc tampered_doc(tampered.body);
    EXPECT_EQ(BoolField(tampered_doc.Root(), "ok"), std::optional<bool>(false)) << tampered.body;
    simdjson::dom::element first_bad;
    ASSERT_EQ(tampered_doc.Root()["first_bad"].get(first_bad), simdjson::SUCCESS) << tampered.body;
    EXPECT_EQ(IntField(first_bad, "row_id").value_or(-1), row_id) << tampered.body;
    EXPECT_EQ(StringField(first_bad, "reason").value_or(""), "content_mismatch") << tampered.body;
    EXPECT_EQ(BoolField(JsonDoc(HttpClient(audit.BaseUrl())
                                    .Get("/api/v1/audit/compliance-report", kAuditorToken)
                                    .body)
                            .Root(),
                        "chain_verified"),
              std::optional<bool>(false));

    const std::filesystem::path cosmicctl = BinaryPath("cosmicctl");
    if (!cosmicctl.empty()) {
        const std::filesystem::path log = stack.RunDir() / "verify.log";
        EXPECT_EQ(RunCommand({cosmicctl.string(), "audit", "verify", "--db", db.string()}, log), 1);
        std::ifstream in(log);
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_NE(text.find("TAMPERED"), std::string::npos) << text;
        EXPECT_NE(text.find("row " + std::to_string(row_id) + ":"), std::string::npos) << text;
    }
    stack.StopAll();
    (void)recent;
}

}  // namespace
}  // namespace cosmic::e2e
