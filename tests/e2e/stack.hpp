#pragma once
/// The vertical slice the e2e tests drive: job-orchestrator (simulated executor), metrics-consumer
/// and audit-consumer as real processes on the shared cluster, reached over HTTP and Kafka only.
///
/// Checks, each a set of GoogleTest assertions:
///   - lifecycle: each job's events are on one partition, keyed by the job id, in the order
///     submitted < queued < running < terminal by offset, each event once, the terminal one
///     matching the API's final status;
///   - metrics: metrics-consumer's per-job sample count equals the distinct job.metrics events
///     of the job on job-metrics (at least one);
///   - audit: every STATE_CHANGE of the jobs on audit-trail is stored exactly once (by
///     event_id) and GET /api/v1/audit/verify is ok.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "support/e2e_env.hpp"

namespace cosmic::e2e {

inline constexpr std::string_view kUserToken = "e2e-user-token";
inline constexpr std::string_view kAdminToken = "e2e-admin-token";
inline constexpr std::string_view kAuditorToken = "e2e-auditor-token";
inline constexpr std::string_view kUserId = "e2e-user";

/// How the simulated executor runs jobs (the orchestrator's executor.* keys).
struct ExecutorSettings {
    int concurrency = 25;
    int duration_min_ms = 200;
    int duration_max_ms = 800;
    int metrics_interval_ms = 200;
    double failure_rate = 0.1;
};

/// job_id -> final status ("completed", "failed", "cancelled").
using FinalStatus = std::map<std::string, std::string>;

class VerticalSlice {
  public:
    /// `run_name` names the run directory (logs and stores stay there for inspection).
    VerticalSlice(std::string_view run_name, ExecutorSettings executor);
    /// Stops whatever still runs, orchestrator first (it produces what the others consume).
    ~VerticalSlice();

    /// audit-consumer, metrics-consumer, then job-orchestrator; each ready (group assigned)
    /// before the next, so no consumer misses the first events.
    void StartAll();

    ServiceProcess& Orchestrator() { return *orchestrator_; }
    ServiceProcess& Metrics() { return *metrics_; }
    ServiceProcess& Audit() { return *audit_; }
    const std::filesystem::path& RunDir() const { return run_dir_; }

    /// Submits `count` jobs as the test user through POST /api/v1/jobs; returns their ids.
    std::vector<std::string> SubmitJobs(int count, std::string_view name_prefix);
    /// The job's status from GET /api/v1/jobs/{id}; empty when the request failed.
    std::string Status(const std::string& job_id);
    /// How many of `ids` have one of `statuses` right now.
    int CountInStatus(const std::vector<std::string>& ids, const std::vector<std::string>& statuses);
    /// Waits until every job is terminal; fails the test (and returns what it has) otherwise.
    FinalStatus WaitAllTerminal(const std::vector<std::string>& ids, std::chrono::milliseconds timeout);

    void CheckLifecycle(const FinalStatus& jobs);
    void CheckMetrics(const FinalStatus& jobs);
    void CheckAudit(const FinalStatus& jobs);
    /// All three, with their timings printed and recorded as test properties.
    void CheckAll(const FinalStatus& jobs);
    /// SIGTERM to each service, orchestrator first; expects a clean exit (status 0) from each
    /// within its shutdown deadline.
    void StopAll();

    /// Prints "[e2e timing] what: N ms" and records it as a test property.
    static void RecordTiming(const std::string& what, long long ms);

  private:
    static void ExpectNoUnknownSettings(ServiceProcess& service);
    std::unique_ptr<ServiceProcess> MakeService(const std::string& name, std::map<std::string, std::string> env);

    std::filesystem::path run_dir_;
    std::string bootstrap_;
    std::unique_ptr<ServiceProcess> audit_;
    std::unique_ptr<ServiceProcess> metrics_;
    std::unique_ptr<ServiceProcess> orchestrator_;
    std::unique_ptr<HttpClient> orchestrator_http_;
    /// Job count per lifecycle check, used by the audit check (one STATE_CHANGE per event).
    std::map<std::string, std::size_t> lifecycle_events_;
};

}  // namespace cosmic::e2e
