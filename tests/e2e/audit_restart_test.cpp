// audit-consumer killed with SIGKILL mid-flow and started again on the same data directory:
// records it had stored but not yet committed come again and are not stored twice; every
// STATE_CHANGE is stored exactly once and the chain verifies.

#include <gtest/gtest.h>

#include <iostream>

#include "stack.hpp"
#include "support/json.hpp"

namespace cosmic::e2e {
namespace {

constexpr int kJobs = 50;

/// total_events of the compliance report; -1 when the request failed.
std::int64_t StoredEvents(ServiceProcess& audit) {
    HttpClient http(audit.BaseUrl());
    const HttpResponse result = http.Get("/api/v1/audit/compliance-report", kAuditorToken);
    if (result.status != 200) {
        return -1;
    }
    const JsonDoc doc(result.body);
    return IntField(doc.Root(), "total_events").value_or(-1);
}

TEST(AuditRestartE2E, EveryStateChangeStoredOnceAcrossAKill) {
    Stack slice("audit_restart", ExecutorSettings{.concurrency = 5,
                                                          .duration_min_ms = 500,
                                                          .duration_max_ms = 1500,
                                                          .metrics_interval_ms = 250,
                                                          .failure_rate = 0.1});
    ASSERT_NO_THROW(slice.StartAll());
    const std::int64_t before = StoredEvents(slice.Audit());
    ASSERT_GE(before, 0);

    const auto ids = slice.SubmitJobs(kJobs, "audit-restart");
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(kJobs));

    // Kill it once it stored part of this run's events, while jobs are still moving.
    ASSERT_TRUE(WaitUntil([&] { return StoredEvents(slice.Audit()) >= before + kJobs; }, std::chrono::seconds(60)))
        << "audit-consumer stored nothing of this run";
    const auto terminal = [&] { return slice.CountInStatus(ids, {"completed", "failed", "cancelled"}); };
    const int terminal_at_kill = terminal();
    ASSERT_LT(terminal_at_kill, kJobs) << "the flow ended before the kill";
    slice.Audit().Kill();
    ::testing::Test::RecordProperty("jobs_terminal_at_kill", terminal_at_kill);
    std::cout << "[e2e] killed audit-consumer with " << terminal_at_kill << " of " << kJobs << " jobs terminal"
              << std::endl;

    // The flow goes on without it; start it again a few transitions later.
    ASSERT_TRUE(
        WaitUntil([&] { return terminal() >= terminal_at_kill + 5 || terminal() == kJobs; }, std::chrono::seconds(60)));
    const auto start = Clock::now();
    ASSERT_NO_THROW(slice.Audit().Start());
    Stack::RecordTiming("audit_restart_to_ready", ElapsedMs(start));

    const FinalStatus jobs = slice.WaitAllTerminal(ids, std::chrono::seconds(120));
    ASSERT_EQ(jobs.size(), ids.size());
    slice.CheckAll(jobs);
    slice.StopAll();
}

}  // namespace
}  // namespace cosmic::e2e
