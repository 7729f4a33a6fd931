#pragma once
/// What the fault tests (label `fault`) share: the report line, the audit store's row counts, a
/// crash loop of one service, dead letters and deliveries counted per job-id prefix.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "stack.hpp"

namespace cosmic::e2e {

/// 5 with COSMIC_FAULT_SOAK=1 (a local soak run multiplies loads and faults), else 1.
int Soak();

/// Prints "[fault] test | load | faults | lost N | duplicated N | recovery N ms" and records the
/// figures as test properties.
void ReportLine(const std::string& test, const std::string& load, const std::string& faults, long long lost,
                long long duplicated, long long recovery_ms);

/// Rows, distinct event ids of the audit rows of resources "<prefix>-*" in the SQLite stores
/// `dbs` together (replicas with a store each). The distinct count is read first, so a row
/// stored in between can only raise the row count: read once every event is in, rows − distinct
/// is the number of duplicates.
std::pair<std::int64_t, std::int64_t> AuditRows(const std::vector<std::filesystem::path>& dbs,
                                                const std::string& prefix);
std::pair<std::int64_t, std::int64_t> AuditRows(ServiceProcess& audit, const std::string& prefix);
/// Waits until `events` distinct events of "<prefix>-*" are stored (or `timeout` passes), then
/// reads rows and distinct ids once more.
std::pair<std::int64_t, std::int64_t> WaitAuditStored(const std::vector<std::filesystem::path>& dbs,
                                                      const std::string& prefix, std::int64_t events,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(120));
std::pair<std::int64_t, std::int64_t> WaitAuditStored(ServiceProcess& audit, const std::string& prefix,
                                                      std::int64_t events,
                                                      std::chrono::milliseconds timeout = std::chrono::seconds(120));
/// GET /api/v1/audit/verify says ok.
bool ChainVerifies(ServiceProcess& audit);
/// The in-app rows (count, distinct event ids) of jobs "<prefix>-*" in notification-consumer's
/// SQLite stores `dbs` together.
std::pair<std::int64_t, std::int64_t> InAppRows(const std::vector<std::filesystem::path>& dbs,
                                                const std::string& prefix);

/// Mails about jobs "<prefix>-*" on the sink, and their distinct Message-IDs (a mail sent again
/// after a crash keeps its Message-ID, so a receiving MTA drops it).
std::pair<std::size_t, std::size_t> MailsOfPrefix(const SmtpSink& sink, const std::string& prefix);

/// A stack of audit-consumer alone, in its own consumer group.
StackOptions AuditOnly(const std::string& group);
/// "<service>-fault-<pid>-<tag>": a consumer group no earlier run used.
std::string FreshGroup(const std::string& service, const std::string& tag);
/// A stack of the consumer `service` alone (with the sinks it delivers to) in consumer group
/// `group`, whose position is first committed at the end of `topic`; `env` adds settings.
StackOptions Alone(const std::string& service, const std::string& group, const std::string& topic,
                   std::map<std::string, std::string> env = {});

/// The final status loadgen gives the jobs "<prefix>-0" .. of a job-lifecycle load (its rule:
/// job i fails when (i * 37) % 100 is below the failure percentage).
FinalStatus LoadgenFinalStatus(const std::string& prefix, int jobs, int failure_percent);

/// Records on `topic` whose key starts with "<prefix>-" (read up to the end offsets).
std::size_t RecordsOfPrefix(const std::string& bootstrap, const std::string& topic, const std::string& prefix);

/// cosmic_events_consumed_total of a running service (0 before its first event or when its
/// /metrics does not answer).
double ConsumedTotal(ServiceProcess& service);

/// kill -9 of one service of a stack at random points, each time restarted (and waited on until
/// ready) under the same instance id (a restarted pod keeps its name) or under a new one (a
/// rescheduled pod: "<service>-pod-<n>", same data directory, as a volume that follows it; the
/// stack's accessors then name the new instance).
class CrashLoop {
  public:
    CrashLoop(Stack& stack, ServiceProcess& service, bool new_instance, std::chrono::milliseconds min_pause,
              std::chrono::milliseconds max_pause);
    /// A random pause between the bounds (a random point of the load, not a synchronisation),
    /// kill -9, `while_down()` while nothing runs, then the restart. Throws when it does not start.
    void KillAndRestart(const std::function<void()>& while_down = {});
    /// The instance running now.
    ServiceProcess& Current() { return *current_; }
    /// When the last restart began.
    Clock::time_point LastRestart() const { return last_restart_; }
    int Kills() const { return kills_; }
    bool NewInstance() const { return new_instance_; }
    /// "3 x kill -9 (same instance id)".
    std::string Describe() const;
    /// Waits until the running instance has handled an event; ms from the last restart, or -1 at
    /// the deadline. The caller makes sure there is something to handle.
    long long WaitConsuming(std::chrono::milliseconds timeout);

  private:
    Stack& stack_;
    ServiceProcess* current_;
    bool new_instance_;
    std::uniform_int_distribution<int> pause_ms_;
    std::mt19937 random_;
    int kills_ = 0;
    Clock::time_point last_restart_ = Clock::now();
};

}  // namespace cosmic::e2e
