// Rebalance churn: a consumer group scaled 1 → 3 → 1 under load (two more instances with their own
// COSMIC_INSTANCE_IDs join the group, then leave on SIGTERM). Every event reaches the shared sink
// once; records handled again (at-least-once allows them) are absorbed by the sink's dedupe and
// reported.
// Each test prints one "[fault] test | load | faults | lost | duplicated | recovery" line.

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "cosmic/store/postgres.hpp"
#include "cosmic/testing/postgres_server.hpp"
#include "fault_support.hpp"
#include "stack.hpp"
#include "support/group_offsets.hpp"
#include "support/prometheus_text.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// The two instances that join and leave; `data` names their data directories (empty: the
/// stack's service's own).
struct Churn {
    std::array<std::unique_ptr<ServiceProcess>, 2> extra;
    /// When set: read from each extra instance just before its SIGTERM, into `stopped_with`.
    std::function<double(ServiceProcess&)> before_stop;
    std::vector<double> stopped_with;
    long long scale_up_ms = 0;    ///< from the first start to all three ready
    long long scale_down_ms = 0;  ///< the two SIGTERMs, until both exited
};

/// Once `first` handles events: two more instances of `service` in the group, each handling some
/// of the load before both stop with SIGTERM (clean exit expected).
void ScaleOutAndIn(Stack& stack, ServiceProcess& first, const std::string& service, bool own_data, Churn& churn) {
    ASSERT_TRUE(WaitUntil([&] { return ConsumedTotal(first) > 0; }, seconds(60))) << service << " consumed nothing";
    const auto up = Clock::now();
    for (std::size_t i = 0; i < churn.extra.size(); ++i) {
        const std::string id = service + "-replica-" + std::to_string(i + 1);
        churn.extra[i] = stack.Replica(service, id, own_data ? id : std::string());
        ASSERT_NO_THROW(churn.extra[i]->Start());
    }
    churn.scale_up_ms = ElapsedMs(up);
    for (auto& replica : churn.extra) {
        EXPECT_TRUE(WaitUntil([&] { return ConsumedTotal(*replica) > 0; }, seconds(60)))
            << replica->Name() << " got no partition with events while three instances ran";
    }
    if (churn.before_stop) {
        for (auto& replica : churn.extra) churn.stopped_with.push_back(churn.before_stop(*replica));
    }
    const auto down = Clock::now();
    for (auto& replica : churn.extra) {
        EXPECT_EQ(replica->Stop(), 0) << replica->Name() << " did not exit cleanly:\n" << replica->LogTail();
    }
    churn.scale_down_ms = ElapsedMs(down);
}

/// From the scale-in until `group` committed everything on `topic`: how long the remaining
/// instance took over and caught up.
long long WaitCaughtUp(const Stack& stack, const std::string& group, const std::string& topic,
                       Clock::time_point since) {
    std::int64_t unconsumed = -1;
    const bool done = WaitUntil(
        [&] {
            unconsumed = Unconsumed(ReadGroupOffsets(stack.Bootstrap(), group, topic));
            return unconsumed == 0;
        },
        seconds(120), milliseconds(250));
    EXPECT_TRUE(done) << group << " left " << unconsumed << " records of " << topic << " unconsumed";
    return ElapsedMs(since);
}

void Report(const std::string& name, const std::string& load, const Churn& churn, long long lost, long long duplicated,
            long long caught_up_ms) {
    std::cout << "[fault] " << name << ": two instances ready in " << churn.scale_up_ms << " ms, stopped in "
              << churn.scale_down_ms << " ms" << std::endl;
    ReportLine(name, load, "scaled 1 -> 3 -> 1 (2 instances joined, then SIGTERM)", lost, duplicated, caught_up_ms);
}

/// Rows of the audit events of `prefix` in a PostgreSQL audit store, and how many distinct event ids.
std::pair<std::int64_t, std::int64_t> PgAuditRows(const std::string& url, const std::string& prefix) {
    store::pg::Connection db(url);
    const store::pg::Result rows =
        db.RunOnce("SELECT count(*), count(DISTINCT event_id) FROM audit_events WHERE resource_id LIKE $1",
                   store::pg::Params().Add(prefix + "-%"));
    return {rows.Int(0, 0), rows.Int(0, 1)};
}

/// Rows audit-consumer skipped as already stored (a record handled again after its partition moved).
double AuditDuplicates(ServiceProcess& audit) {
    const HttpResponse metrics = HttpClient(audit.BaseUrl()).Get("/metrics");
    return metrics.status == 200 ? SumSamples(metrics.body, "cosmic_audit_rows_total", "outcome=\"duplicate\"") : 0;
}

// audit-consumer with more than one replica shares one PostgreSQL audit store (docs/postgresql.md),
// as in production: every event is stored exactly once there and the chains verify. A record
// handled again after its partition moved (at-least-once allows it) is skipped by the store as a
// duplicate (its topic, partition and offset are at or below the partition's chain head); those
// are counted from the services' metrics and reported as the line's "duplicated".
TEST(ChurnE2E, AuditScaledOneThreeOneStoresEveryEventOnce) {
    const int events = 20'000 * Soak();
    const std::string group = FreshGroup("audit-consumer", "churn");
    cosmic::testing::PostgresServer postgres;
    const std::string url = postgres.CreateDatabase("audit_churn");
    Stack stack("fault_churn_audit", Alone("audit-consumer", group, "audit-trail", {{"COSMIC_DATABASE_URL", url}}));
    ASSERT_NO_THROW(stack.StartAll());

    std::string prefix;
    std::thread producer(
        [&] { prefix = stack.ProduceEvents({.topic = "audit-trail", .count = events, .jobs = 500, .rate = 1500}); });
    Churn churn;
    churn.before_stop = AuditDuplicates;
    ScaleOutAndIn(stack, stack.Audit(), "audit-consumer", true, churn);
    const auto scaled_in = Clock::now();
    producer.join();
    ASSERT_FALSE(prefix.empty());

    const long long caught_up = WaitCaughtUp(stack, group, "audit-trail", scaled_in);
    std::pair<std::int64_t, std::int64_t> rows;
    WaitUntil(
        [&] {
            rows = PgAuditRows(url, prefix);
            return rows.second >= events;
        },
        seconds(60), milliseconds(250));
    EXPECT_EQ(rows.second, events) << "distinct events in the shared store";
    EXPECT_EQ(rows.first, rows.second) << "events stored twice in the shared store";
    EXPECT_TRUE(ChainVerifies(stack.Audit()));

    // Re-deliveries: records one instance handled after another had (its offsets not committed
    // before the partition moved); the store skipped them, so they show only here.
    double redelivered = AuditDuplicates(stack.Audit());
    for (const double replica : churn.stopped_with) redelivered += replica;
    std::cout << "[fault] fault_churn_audit: " << rows.first << " rows for " << events
              << " events in the shared store, " << redelivered << " records handled again and skipped as duplicates"
              << std::endl;
    ::testing::Test::RecordProperty("redelivered", std::to_string(static_cast<long long>(redelivered)));
    Report("fault_churn_audit", std::to_string(events) + " audit events at 1.5k/s", churn, events - rows.second,
           static_cast<long long>(redelivered), caught_up);
    EXPECT_EQ(stack.Audit().Stop(), 0);
}

// notification-consumer with one in-app store the instances share (as PostgreSQL is shared in
// production; here one SQLite file in WAL mode): one mail per Message-ID, one signed webhook and one
// in-app row per terminal job. A redelivery after a move keeps its Message-ID and delivery id, and
// the shared store's delivery records make a later instance skip what an earlier one sent.
TEST(ChurnE2E, NotificationScaledOneThreeOneNotifiesEachJobOnce) {
    constexpr int kJobs = 80;
    const std::string group = FreshGroup("notification-consumer", "churn");
    const std::string shared = "sqlite://" + (Cluster().dir / "runs" / "fault_churn_notify" / "shared.db").string();
    Stack stack("fault_churn_notify",
                Alone("notification-consumer", group, "job-lifecycle", {{"COSMIC_DATABASE_URL", shared}}));
    ASSERT_NO_THROW(stack.StartAll());

    std::string prefix;
    std::thread producer([&] {
        prefix = stack.ProduceEvents(
            {.topic = "job-lifecycle", .count = kJobs * 4, .jobs = kJobs, .rate = 40, .failure_percent = 20});
    });
    Churn churn;
    ScaleOutAndIn(stack, stack.Notifications(), "notification-consumer", false, churn);
    const auto scaled_in = Clock::now();
    producer.join();
    ASSERT_FALSE(prefix.empty());

    const long long caught_up = WaitCaughtUp(stack, group, "job-lifecycle", scaled_in);
    const FinalStatus jobs = LoadgenFinalStatus(prefix, kJobs, 20);
    stack.CheckNotifications(jobs);
    const auto [mails, distinct_mails] = MailsOfPrefix(stack.Mail(), prefix);
    std::cout << "[fault] fault_churn_notify: " << mails << " mails with " << distinct_mails << " Message-IDs for "
              << jobs.size() << " terminal jobs" << std::endl;
    Report("fault_churn_notify", std::to_string(kJobs) + " jobs (" + std::to_string(kJobs * 4) + " events at 40/s)",
           churn, static_cast<long long>(jobs.size()) - static_cast<long long>(distinct_mails),
           static_cast<long long>(mails - distinct_mails), caught_up);
    EXPECT_EQ(stack.Notifications().Stop(), 0);
}

}  // namespace
}  // namespace cosmic::e2e
