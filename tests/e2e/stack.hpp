#pragma once
/// The stack the e2e tests drive: the five services as real processes on the shared cluster —
/// audit-consumer, metrics-consumer, notification-consumer, health-monitor and job-orchestrator
/// (simulated executor) — with a local SMTP sink for mail and an HTTP sink for webhooks and
/// Alertmanager-format alerts. The tests reach them over HTTP, WebSocket, SMTP, webhook and Kafka
/// only; no test links a service's code.
///
/// Checks, each a set of GoogleTest assertions:
///   - lifecycle: each job's events are on one partition, keyed by the job id, in the order
///     submitted < queued < running < terminal by offset, each event once, the terminal one
///     matching the API's final status;
///   - metrics: metrics-consumer's per-job sample count equals the distinct job.metrics events
///     of the job on job-metrics (at least one);
///   - audit: every STATE_CHANGE of the jobs on audit-trail is stored exactly once (by
///     event_id) and GET /api/v1/audit/verify is ok;
///   - notifications: per terminal job exactly one mail, one in-app notification and one signed
///     webhook, each naming the job and its outcome;
///   - health: health-monitor hears every service and judges them and the cluster.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/testing/sinks.hpp"
#include "support/e2e_env.hpp"

namespace cosmic::e2e {

using cosmic::testing::HttpSink;
using cosmic::testing::SmtpSink;

inline constexpr std::string_view kUserToken = "e2e-user-token";
inline constexpr std::string_view kOtherUserToken = "e2e-other-token";
inline constexpr std::string_view kAdminToken = "e2e-admin-token";
inline constexpr std::string_view kAuditorToken = "e2e-auditor-token";
inline constexpr std::string_view kUserId = "e2e-user";
inline constexpr std::string_view kAdminId = "e2e-admin";
/// The test user's webhook secret (notification-consumer signs with it).
inline constexpr std::string_view kWebhookSecret = "e2e-webhook-secret-0123456789";

/// How the simulated executor runs jobs (the orchestrator's executor.* keys).
struct ExecutorSettings {
    int concurrency = 25;
    int duration_min_ms = 200;
    int duration_max_ms = 800;
    int metrics_interval_ms = 200;
    double failure_rate = 0.1;
};

struct StackOptions {
    ExecutorSettings executor{};
    /// notification-consumer (with the SMTP and webhook sinks) and health-monitor; without them
    /// the stack is the vertical slice orchestrator → metrics + audit.
    bool notifications = true;
    bool health = true;
    /// Extra settings per service name; they win over the stack's.
    std::map<std::string, std::map<std::string, std::string>> env{};
    /// Static group membership (the kit's default with an instance id). Stacks that kill brokers
    /// turn it off: with librdkafka 2.0.2 a static member whose coordinator dies is fenced by its
    /// own rejoin (librdkafka#3437) and the service stops with exit code 1 for its supervisor.
    bool static_membership = true;
    /// When not empty, only these services run (e.g. {"audit-consumer"}); the accessors of the
    /// others must not be used.
    std::set<std::string> only{};
    /// The Kafka the services use; empty = the shared cluster's (a test may run its own broker).
    std::string bootstrap{};
};

/// Events `loadgen events` produces straight to a topic (tools/loadgen).
struct EventLoad {
    std::string topic;
    int count = 100;
    std::string shape = "valid";  ///< valid | malformed | missing-fields | legacy-names
    int jobs = 10;                ///< distinct job ids (components on system-health)
    std::string user_id = std::string(kUserId);
    int rate = 0;  ///< events/s; 0 = as fast as possible
    long long backdate_ms = 0;
    int failure_percent = 10;  ///< job-lifecycle: jobs that end failed
};

/// job_id -> final status ("completed", "failed", "cancelled").
using FinalStatus = std::map<std::string, std::string>;

class Stack {
  public:
    /// `run_name` names the run directory (logs and stores stay there for inspection).
    Stack(std::string_view run_name, StackOptions options);
    /// The vertical slice: orchestrator, metrics-consumer and audit-consumer only.
    Stack(std::string_view run_name, ExecutorSettings executor);
    /// Stops whatever still runs, in reverse start order (orchestrator first).
    ~Stack();

    /// The consumers, then health-monitor, then job-orchestrator; each ready (group assigned)
    /// before the next, so no consumer misses the first events.
    void StartAll();

    ServiceProcess& Orchestrator() { return *orchestrator_; }
    ServiceProcess& Metrics() { return *metrics_; }
    ServiceProcess& Audit() { return *audit_; }
    ServiceProcess& Notifications() { return *notifications_; }
    ServiceProcess& Health() { return *health_; }
    /// Every service of this stack in start order.
    std::vector<ServiceProcess*> Services() const;
    /// Another instance of the stack's service `name` (not started), with the settings the stack
    /// gave it (group, sinks, users file) but `instance_id` as COSMIC_INSTANCE_ID: a rescheduled
    /// pod, or a replica when `data_name` names its own data directory (empty: the service's own,
    /// as a pod that keeps its volume). `env` wins over the stack's settings.
    std::unique_ptr<ServiceProcess> Replica(const std::string& name, const std::string& instance_id,
                                            const std::string& data_name = {},
                                            const std::map<std::string, std::string>& env = {}) const;
    /// Replaces the stack's instance of service `name` (stopped or killed) with a Replica under
    /// `instance_id` on the same data directory, not started: a rescheduled pod. The stack's
    /// accessors and checks use the new instance from now on.
    ServiceProcess& Reschedule(const std::string& name, const std::string& instance_id);
    SmtpSink& Mail() { return *smtp_; }
    HttpSink& Hooks() { return *hooks_; }
    const std::filesystem::path& RunDir() const { return run_dir_; }
    const std::string& Bootstrap() const { return bootstrap_; }

    /// Runs `loadgen events` against the cluster and waits until every event is acknowledged;
    /// returns the job id prefix it used (unique per call: job ids are "<prefix>-<i>"). Fails the
    /// test when loadgen does.
    std::string ProduceEvents(const EventLoad& load);

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
    void CheckNotifications(const FinalStatus& jobs);
    /// Waits until health-monitor reports every service of the stack and the cluster, and its
    /// overall status is one of `accepted`; returns the last /api/v1/health body.
    std::string CheckHealth(const std::vector<std::string>& accepted = {"HEALTHY"});
    /// Lifecycle, metrics and audit; notifications when the stack has them. Timings printed and
    /// recorded as test properties.
    void CheckAll(const FinalStatus& jobs);
    /// What a supervisor (Kubernetes' restartPolicy, systemd) does: starts again every service
    /// that exited on its own (a fatal Kafka error stops a service with exit code 1). Returns
    /// "name (exit N)" per restart.
    std::vector<std::string> RestartExited();
    /// RestartExited() until no service has exited for `quiet` (a fenced consumer stops some
    /// seconds after the fault that fenced it), at most `timeout`; every restart it made.
    std::vector<std::string> SuperviseUntilQuiet(std::chrono::milliseconds quiet = std::chrono::seconds(15),
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(120));
    /// SIGTERM to each service in reverse start order; expects a clean exit (status 0) from each
    /// within its shutdown deadline.
    void StopAll();

    /// One alert of an Alertmanager-format post.
    struct AlertPost {
        std::string alertname;
        std::string status;       ///< firing | resolved
        std::string fingerprint;  ///< the alert's identity (name + subject)
    };
    /// Every alert of the posts health-monitor sent, in arrival order.
    std::vector<AlertPost> AlertTransitions() const;
    /// The same as (alertname, status) per alert.
    std::vector<std::pair<std::string, std::string>> AlertPosts() const;
    /// Waits until an alert named `name` arrived on the webhook with `status` ("firing" or
    /// "resolved") among the posts from index `after` on (AlertPosts().size() taken before the
    /// action that should raise it); false at the deadline.
    bool WaitForAlert(std::string_view name, std::string_view status, std::chrono::milliseconds timeout,
                      std::size_t after = 0);
    /// The last status posted for alert `name` ("" when never posted).
    std::string LastAlertStatus(std::string_view name) const;

    /// Prints "[e2e timing] what: N ms" and records it as a test property.
    static void RecordTiming(const std::string& what, long long ms);

  private:
    static void ExpectNoUnknownSettings(ServiceProcess& service);
    std::unique_ptr<ServiceProcess> MakeService(const std::string& name, std::map<std::string, std::string> env);

    StackOptions options_;
    std::filesystem::path run_dir_;
    std::string bootstrap_;
    std::unique_ptr<SmtpSink> smtp_;
    std::unique_ptr<HttpSink> hooks_;
    std::unique_ptr<ServiceProcess> audit_;
    std::unique_ptr<ServiceProcess> metrics_;
    std::unique_ptr<ServiceProcess> notifications_;
    std::unique_ptr<ServiceProcess> health_;
    std::unique_ptr<ServiceProcess> orchestrator_;
    std::unique_ptr<HttpClient> orchestrator_http_;
    /// Job count per lifecycle check, used by the audit check (one STATE_CHANGE per event).
    std::map<std::string, std::size_t> lifecycle_events_;
    /// The settings each service was made with (Replica() starts more instances with them).
    std::map<std::string, std::map<std::string, std::string>> service_env_;
};

}  // namespace cosmic::e2e
