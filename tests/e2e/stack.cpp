#include "stack.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "support/broker_control.hpp"
#include "support/e2e_env.hpp"
#include "support/json.hpp"
#include "support/metrics_text.hpp"
#include "support/topic_reader.hpp"
#include "support/webhook_signature.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// The envelope fields the checks look at.
struct EventFields {
    std::string event_id;
    std::string event_type;
    std::string job_id;       ///< job-lifecycle, job-metrics
    std::string resource_id;  ///< audit-trail
    std::string action;       ///< audit-trail
};

/// Parses a record's value; false when it is not an event envelope (counted by the caller).
bool ParseEvent(const std::string& value, EventFields& out) {
    try {
        const JsonDoc doc(value);
        out.event_id = StringField(doc.Root(), "event_id").value_or("");
        out.event_type = StringField(doc.Root(), "event_type").value_or("");
        out.job_id = StringField(doc.Root(), "job_id").value_or("");
        out.resource_id = StringField(doc.Root(), "resource_id").value_or("");
        out.action = StringField(doc.Root(), "action").value_or("");
        return !out.event_id.empty();
    } catch (const std::runtime_error&) {
        return false;  // not JSON: another test's malformed record
    }
}

bool IsTerminal(const std::string& status) {
    return status == "completed" || status == "failed" || status == "cancelled";
}

/// "a, b, c (and N more)" for assertion messages.
std::string Sample(const std::vector<std::string>& items, std::size_t max = 5) {
    std::ostringstream out;
    for (std::size_t i = 0; i < items.size() && i < max; ++i) {
        out << (i == 0 ? "" : ", ") << items[i];
    }
    if (items.size() > max) {
        out << " (and " << items.size() - max << " more)";
    }
    return out.str();
}

struct LifecycleEvent {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::optional<std::string> key;
    std::string event_id;
    std::string event_type;
};

}  // namespace

Stack::Stack(std::string_view run_name, ExecutorSettings executor)
    : Stack(run_name, StackOptions{.executor = executor, .notifications = false, .health = false}) {}

Stack::Stack(std::string_view run_name, StackOptions options)
    : options_(std::move(options)),
      run_dir_(FreshRunDir(run_name)),
      bootstrap_(options_.bootstrap.empty() ? Cluster().bootstrap : options_.bootstrap) {
    WriteTokensFile(run_dir_ / "tokens.json", {{std::string(kUserToken), std::string(kUserId), {"user"}},
                                               {std::string(kOtherUserToken), "e2e-other", {"user"}},
                                               {std::string(kAdminToken), std::string(kAdminId), {"admin"}},
                                               {std::string(kAuditorToken), "e2e-auditor", {"auditor"}}});
    // A consumer killed with SIGKILL stays in its group until its session times out; 6 s (the
    // broker's minimum) instead of 45 s lets a restarted one get its partitions back quickly.
    // Heartbeats every 2 s let health-monitor judge within the test's window.
    const std::map<std::string, std::string> common_env = {{"KAFKA_SESSION_TIMEOUT_MS", "6000"},
                                                           {"KAFKA_HEARTBEAT_INTERVAL_MS", "1000"},
                                                           {"COSMIC_HEARTBEAT_INTERVAL_MS", "2000"}};
    const auto with = [&](const std::string& name, std::map<std::string, std::string> env) {
        env.merge(std::map<std::string, std::string>(common_env));
        if (!options_.static_membership) env["COSMIC_CONSUMER_STATIC_MEMBERSHIP"] = "false";
        if (const auto extra = options_.env.find(name); extra != options_.env.end()) {
            for (const auto& [key, value] : extra->second) env[key] = value;
        }
        return env;
    };
    const auto wanted = [&](const std::string& name) { return options_.only.empty() || options_.only.count(name) != 0; };
    if (wanted("audit-consumer")) {
        audit_ = MakeService("audit-consumer", with("audit-consumer", {{"COSMIC_AUDIT_CHECKPOINT_INTERVAL_MS", "2000"}}));
    }
    if (wanted("metrics-consumer")) metrics_ = MakeService("metrics-consumer", with("metrics-consumer", {}));
    if (options_.notifications && wanted("notification-consumer")) {
        smtp_ = std::make_unique<SmtpSink>();
        hooks_ = std::make_unique<HttpSink>();
        const std::string users =
            R"({"users": [{"user_id": ")" + std::string(kUserId) + R"(", "email": "e2e-user@cosmic.test", "webhook_url": ")" +
            hooks_->Url("/hooks/" + std::string(kUserId)) + R"(", "webhook_secret": ")" + std::string(kWebhookSecret) +
            R"(", "channels": ["email", "in_app", "webhook"]},
  {"user_id": ")" + std::string(kAdminId) + R"(", "email": "e2e-admin@cosmic.test", "channels": ["email", "in_app"]}]})";
        cosmic::testing::WriteFile(run_dir_ / "users.json", users);
        notifications_ = MakeService("notification-consumer",
                                     with("notification-consumer", {{"COSMIC_USERS_FILE", (run_dir_ / "users.json").string()},
                                                                    {"COSMIC_SMTP_URL", smtp_->Url()},
                                                                    {"COSMIC_SMTP_FROM", "cosmic@cosmic.test"},
                                                                    {"COSMIC_SMTP_STARTTLS", "off"}}));
    }
    if (options_.health && wanted("health-monitor")) {
        if (!hooks_) hooks_ = std::make_unique<HttpSink>();
        health_ = MakeService("health-monitor",
                              with("health-monitor", {{"COSMIC_ALERT_WEBHOOK_URL", hooks_->Url("/alerts")},
                                                      {"COSMIC_ALERTS_NOTIFY_USERS", std::string(kAdminId)},
                                                      {"COSMIC_GROUPS_POLL_INTERVAL_MS", "2000"},
                                                      {"COSMIC_CLUSTER_POLL_INTERVAL_MS", "2000"},
                                                      {"COSMIC_CLUSTER_EXPECTED_BROKERS", "3"},
                                                      {"COSMIC_COMPONENTS_STALE_AFTER_MS", "10000"},
                                                      {"COSMIC_ALERTS_RESOLVE_AFTER_MS", "4000"},
                                                      // Instances of earlier tests' stacks (their
                                                      // heartbeats are replayed) are let go soon.
                                                      {"COSMIC_COMPONENTS_FORGET_AFTER_MS", "15000"},
                                                      {"COSMIC_LAG_INTERVALS", "5"}}));
    }
    if (!wanted("job-orchestrator")) return;
    const ExecutorSettings& executor = options_.executor;
    orchestrator_ = MakeService(
        "job-orchestrator", with("job-orchestrator",
                                 {{"COSMIC_EXECUTOR_CONCURRENCY", std::to_string(executor.concurrency)},
                                  {"COSMIC_EXECUTOR_DURATION_DISTRIBUTION", "uniform"},
                                  {"COSMIC_EXECUTOR_DURATION_MIN_MS", std::to_string(executor.duration_min_ms)},
                                  {"COSMIC_EXECUTOR_DURATION_MAX_MS", std::to_string(executor.duration_max_ms)},
                                  {"COSMIC_EXECUTOR_METRICS_INTERVAL_MS", std::to_string(executor.metrics_interval_ms)},
                                  {"COSMIC_EXECUTOR_FAILURE_RATE", std::to_string(executor.failure_rate)},
                                  {"COSMIC_EXECUTOR_POLL_INTERVAL_MS", "100"},
                                  {"COSMIC_STORE_SYNCHRONOUS", "normal"}}));
}

Stack::~Stack() {
    if (hooks_) {
        // What arrived on the webhook sink, for the run directory (a failed check's evidence).
        std::ofstream out(run_dir_ / "webhooks.log");
        for (const auto& request : hooks_->Requests()) out << request.method << ' ' << request.target << ' ' << request.body << '\n';
    }
    const auto services = Services();
    for (auto it = services.rbegin(); it != services.rend(); ++it) {
        (*it)->Resume();  // a paused process would not see SIGTERM
        (*it)->Stop();
    }
}

std::vector<ServiceProcess*> Stack::Services() const {
    std::vector<ServiceProcess*> out;
    for (ServiceProcess* service :
         {audit_.get(), metrics_.get(), notifications_.get(), health_.get(), orchestrator_.get()}) {
        if (service != nullptr) out.push_back(service);
    }
    return out;
}

std::unique_ptr<ServiceProcess> Stack::MakeService(const std::string& name, std::map<std::string, std::string> env) {
    service_env_[name] = env;
    ServiceOptions options = E2eServiceOptions(name, run_dir_, bootstrap_, env);
    options.tokens_file = run_dir_ / "tokens.json";
    return std::make_unique<ServiceProcess>(std::move(options));
}

ServiceProcess& Stack::Reschedule(const std::string& name, const std::string& instance_id) {
    std::unique_ptr<ServiceProcess>* slot = nullptr;
    for (auto* candidate : {&audit_, &metrics_, &notifications_, &health_, &orchestrator_}) {
        if (*candidate && (*candidate)->Name() == name) slot = candidate;
    }
    if (slot == nullptr) throw std::invalid_argument("e2e: this stack has no " + name);
    if ((*slot)->Running()) throw std::logic_error("e2e: " + name + " still runs; stop or kill it first");
    *slot = Replica(name, instance_id);
    return **slot;
}

std::unique_ptr<ServiceProcess> Stack::Replica(const std::string& name, const std::string& instance_id,
                                               const std::string& data_name,
                                               const std::map<std::string, std::string>& env) const {
    const auto made = service_env_.find(name);
    if (made == service_env_.end()) throw std::invalid_argument("e2e: this stack has no " + name);
    std::map<std::string, std::string> settings = made->second;
    settings["COSMIC_INSTANCE_ID"] = instance_id;
    for (const auto& [key, value] : env) settings[key] = value;
    ServiceOptions options = E2eServiceOptions(name, run_dir_, bootstrap_, settings);
    options.tokens_file = run_dir_ / "tokens.json";
    // The name picks the log, port file and data directory; the binary stays the service's.
    if (!data_name.empty()) options.name = data_name;
    return std::make_unique<ServiceProcess>(std::move(options));
}

void Stack::RecordTiming(const std::string& what, long long ms) {
    std::cout << "[e2e timing] " << what << ": " << ms << " ms" << std::endl;
    ::testing::Test::RecordProperty(what + "_ms", std::to_string(ms));
}

void Stack::ExpectNoUnknownSettings(ServiceProcess& service) {
    // A misspelt setting is only a warning to the service; here it would silently test defaults.
    const std::string log = service.LogTail(1 << 20);
    EXPECT_EQ(log.find("unknown environment variable"), std::string::npos)
        << service.Name() << " ignored a setting the test gave it:\n"
        << log.substr(0, 4000);
}

void Stack::StartAll() {
    for (ServiceProcess* service : Services()) {
        const auto start = Clock::now();
        service->Start();
        RecordTiming("start_" + service->Name(), ElapsedMs(start));
        ExpectNoUnknownSettings(*service);
    }
    if (orchestrator_) orchestrator_http_ = std::make_unique<HttpClient>(orchestrator_->BaseUrl());
}

std::string Stack::ProduceEvents(const EventLoad& load) {
    static int calls = 0;
    // Unique per call and run: "<pid>x<call>" never prefixes another call's "<pid>x<call>-<i>".
    const std::string prefix = "e2e" + std::to_string(::getpid()) + "x" + std::to_string(++calls);
    const std::filesystem::path loadgen = BinaryPath("loadgen");
    if (loadgen.empty()) {
        ADD_FAILURE() << "loadgen is not built";
        return prefix;
    }
    const int status = RunCommand({loadgen.string(), "events", "--brokers", bootstrap_, "--topic", load.topic, "--count",
                                   std::to_string(load.count), "--shape", load.shape, "--jobs", std::to_string(load.jobs),
                                   "--user", load.user_id, "--rate", std::to_string(load.rate), "--job-prefix", prefix,
                                   "--backdate-ms", std::to_string(load.backdate_ms), "--failure-percent",
                                   std::to_string(load.failure_percent)},
                                  run_dir_ / "loadgen.log");
    EXPECT_EQ(status, 0) << "loadgen events to " << load.topic << " failed; see " << (run_dir_ / "loadgen.log");
    return prefix;
}

std::vector<std::string> Stack::SubmitJobs(int count, std::string_view name_prefix) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
        const std::string body = "{\"name\":\"" + std::string(name_prefix) + "-" + std::to_string(i) +
                                 "\",\"kind\":\"imaging\",\"parameters\":{\"index\":" + std::to_string(i) +
                                 "},\"priority\":" + std::to_string(i % 10) + "}";
        const HttpResponse result = orchestrator_http_->Post("/api/v1/jobs", body, kUserToken);
        if (result.status != 202) {
            ADD_FAILURE() << "POST /api/v1/jobs: " << result.Describe();
            continue;
        }
        const JsonDoc doc(result.body);
        const auto id = StringField(doc.Root(), "job_id");
        if (!id) {
            ADD_FAILURE() << "submit response without job_id: " << result.body;
            continue;
        }
        EXPECT_EQ(StringField(doc.Root(), "user_id").value_or(""), kUserId);
        ids.push_back(*id);
    }
    return ids;
}

std::string Stack::Status(const std::string& job_id) {
    const HttpResponse result = orchestrator_http_->Get("/api/v1/jobs/" + job_id, kUserToken);
    if (result.status != 200) {
        return {};
    }
    const JsonDoc doc(result.body);
    return StringField(doc.Root(), "status").value_or("");
}

int Stack::CountInStatus(const std::vector<std::string>& ids, const std::vector<std::string>& statuses) {
    int count = 0;
    for (const auto& id : ids) {
        if (std::find(statuses.begin(), statuses.end(), Status(id)) != statuses.end()) {
            ++count;
        }
    }
    return count;
}

FinalStatus Stack::WaitAllTerminal(const std::vector<std::string>& ids, milliseconds timeout) {
    FinalStatus done;
    std::set<std::string> pending(ids.begin(), ids.end());
    WaitUntil(
        [&] {
            for (auto it = pending.begin(); it != pending.end();) {
                const std::string status = Status(*it);
                if (IsTerminal(status)) {
                    done[*it] = status;
                    it = pending.erase(it);
                } else {
                    ++it;
                }
            }
            return pending.empty();
        },
        timeout, milliseconds(250));
    EXPECT_TRUE(pending.empty()) << pending.size() << " of " << ids.size() << " jobs not terminal in time, e.g. "
                                 << Sample(std::vector<std::string>(pending.begin(), pending.end()))
                                 << " (status of the first: " << Status(*pending.begin()) << ")";
    return done;
}

void Stack::CheckLifecycle(const FinalStatus& jobs) {
    TopicReader reader(bootstrap_, "job-lifecycle");
    std::map<std::string, std::vector<LifecycleEvent>> per_job;
    std::set<std::string> terminal_seen;
    std::size_t parsed = 0;
    std::size_t unparsable = 0;
    const bool complete = reader.PollUntil(
        [&](const std::vector<TopicRecord>& records) {
            for (; parsed < records.size(); ++parsed) {
                const TopicRecord& record = records[parsed];
                EventFields fields;
                if (!ParseEvent(record.value, fields)) {
                    ++unparsable;
                    continue;
                }
                if (jobs.count(fields.job_id) == 0) {
                    continue;  // another test's job
                }
                per_job[fields.job_id].push_back(
                    {record.partition, record.offset, record.key, fields.event_id, fields.event_type});
                if (fields.event_type == "job." + jobs.at(fields.job_id)) {
                    terminal_seen.insert(fields.job_id);
                }
            }
            return terminal_seen.size() == jobs.size();
        },
        seconds(120));
    if (unparsable > 0) {
        std::cout << "[e2e] job-lifecycle: " << unparsable << " records that are not events (other tests)\n";
    }
    ASSERT_TRUE(complete) << "terminal events on job-lifecycle for " << terminal_seen.size() << " of " << jobs.size()
                          << " jobs";

    lifecycle_events_.clear();
    for (const auto& [job_id, status] : jobs) {
        auto events = per_job[job_id];
        // Within a partition the reader delivers in offset order; sorting makes that explicit.
        std::sort(events.begin(), events.end(),
                  [](const LifecycleEvent& a, const LifecycleEvent& b) { return a.offset < b.offset; });
        std::set<std::int32_t> partitions;
        std::set<std::string> event_ids;
        std::vector<std::string> types;
        for (const auto& event : events) {
            partitions.insert(event.partition);
            EXPECT_EQ(event.key.value_or("<null>"), job_id) << "job-lifecycle key of " << event.event_type;
            EXPECT_TRUE(event_ids.insert(event.event_id).second)
                << "job " << job_id << ": event " << event.event_id << " (" << event.event_type
                << ") is on job-lifecycle twice";
            types.push_back(event.event_type);
        }
        EXPECT_EQ(partitions.size(), 1U) << "job " << job_id << "'s events are spread over partitions";
        std::vector<std::string> expected = {"job.submitted", "job.queued", "job.running", "job." + status};
        if (status == "cancelled" && types.size() < expected.size()) {
            // Cancelled before it ran (or before it was queued): the stages it reached, then cancelled.
            expected.erase(expected.begin() + static_cast<std::ptrdiff_t>(types.size() >= 2 ? types.size() - 1 : 1),
                           expected.end() - 1);
        }
        EXPECT_EQ(types, expected) << "job " << job_id << " lifecycle out of order or incomplete";
        lifecycle_events_[job_id] = event_ids.size();
    }
    std::size_t events = 0;
    std::set<std::int32_t> partitions_used;
    for (const auto& [job_id, list] : per_job) {
        events += list.size();
        for (const auto& event : list) partitions_used.insert(event.partition);
    }
    std::cout << "[e2e] job-lifecycle: " << events << " events of " << per_job.size() << " jobs on "
              << partitions_used.size() << " of " << reader.Partitions() << " partitions" << std::endl;
}

void Stack::CheckMetrics(const FinalStatus& jobs) {
    TopicReader reader(bootstrap_, "job-metrics");
    HttpClient http(metrics_->BaseUrl());
    std::map<std::string, std::set<std::string>> on_topic;  // job -> distinct job.metrics event ids
    std::map<std::string, std::int64_t> api_samples;
    std::set<std::string> matched;
    std::size_t parsed = 0;
    const auto absorb = [&](const std::vector<TopicRecord>& records) {
        for (; parsed < records.size(); ++parsed) {
            EventFields fields;
            if (ParseEvent(records[parsed].value, fields) && jobs.count(fields.job_id) != 0) {
                on_topic[fields.job_id].insert(fields.event_id);
            }
        }
        return false;  // read what is there, then compare with the API
    };
    WaitUntil(
        [&] {
            reader.PollUntil(absorb, milliseconds(300));
            for (const auto& [job_id, status] : jobs) {
                if (matched.count(job_id) != 0 || on_topic[job_id].empty()) {
                    continue;
                }
                const HttpResponse result = http.Get("/api/v1/metrics/jobs/" + job_id, kUserToken);
                if (result.status != 200) {
                    continue;  // not tracked yet
                }
                const JsonDoc doc(result.body);
                api_samples[job_id] = IntField(doc.Root(), "samples").value_or(-1);
                if (api_samples[job_id] == static_cast<std::int64_t>(on_topic[job_id].size())) {
                    matched.insert(job_id);
                }
            }
            return matched.size() == jobs.size();
        },
        seconds(90), milliseconds(200));
    std::vector<std::string> mismatched;
    for (const auto& [job_id, status] : jobs) {
        if (matched.count(job_id) == 0) {
            mismatched.push_back(job_id + " (topic " + std::to_string(on_topic[job_id].size()) + ", api " +
                                 (api_samples.count(job_id) != 0 ? std::to_string(api_samples[job_id]) : "404") + ")");
        }
    }
    std::size_t samples = 0;
    for (const auto& [job_id, ids] : on_topic) samples += ids.size();
    std::cout << "[e2e] job-metrics: " << samples << " samples of " << on_topic.size()
              << " jobs, per-job counts matched by metrics-consumer for " << matched.size() << std::endl;
    EXPECT_TRUE(mismatched.empty()) << mismatched.size() << " jobs whose metrics-consumer sample count does not "
                                    << "match job-metrics: " << Sample(mismatched);
}

void Stack::CheckAudit(const FinalStatus& jobs) {
    TopicReader reader(bootstrap_, "audit-trail");
    std::map<std::string, std::map<std::string, int>> on_topic;  // job -> STATE_CHANGE event id -> copies
    const auto expected_count = [&](const std::string& job_id) {
        const auto it = lifecycle_events_.find(job_id);
        return it != lifecycle_events_.end() ? it->second : std::size_t{4};
    };
    std::size_t parsed = 0;
    const bool complete = reader.PollUntil(
        [&](const std::vector<TopicRecord>& records) {
            for (; parsed < records.size(); ++parsed) {
                EventFields fields;
                if (ParseEvent(records[parsed].value, fields) && fields.action == "STATE_CHANGE" &&
                    jobs.count(fields.resource_id) != 0) {
                    ++on_topic[fields.resource_id][fields.event_id];
                }
            }
            return std::all_of(jobs.begin(), jobs.end(), [&](const auto& job) {
                return on_topic[job.first].size() >= expected_count(job.first);
            });
        },
        seconds(120));
    ASSERT_TRUE(complete) << "audit-trail lacks STATE_CHANGE events of some jobs";
    std::size_t total = 0;
    for (const auto& [job_id, events] : on_topic) {
        EXPECT_EQ(events.size(), expected_count(job_id)) << "STATE_CHANGE events of job " << job_id;
        for (const auto& [event_id, copies] : events) {
            EXPECT_EQ(copies, 1) << "STATE_CHANGE " << event_id << " of job " << job_id << " is on audit-trail "
                                 << copies << " times";
        }
        total += events.size();
    }

    // Every one of them stored exactly once, compared by event_id.
    HttpClient http(audit_->BaseUrl());
    std::set<std::string> matched;
    std::vector<std::string> duplicated;
    std::map<std::string, std::size_t> stored_count;
    WaitUntil(
        [&] {
            for (const auto& [job_id, status] : jobs) {
                if (matched.count(job_id) != 0) {
                    continue;
                }
                const HttpResponse result =
                    http.Get("/api/v1/audit?resource_id=" + UrlEncode(job_id) + "&limit=1000", kAuditorToken);
                if (result.status != 200) {
                    ADD_FAILURE() << "GET /api/v1/audit: " << result.Describe();
                    return true;
                }
                const JsonDoc doc(result.body);
                std::map<std::string, int> stored;
                simdjson::dom::array rows;
                if (doc.Root()["events"].get_array().get(rows) != simdjson::SUCCESS) {
                    ADD_FAILURE() << "audit query without events: " << result.body.substr(0, 500);
                    return true;
                }
                for (simdjson::dom::element row : rows) {
                    if (StringField(row, "action").value_or("") == "STATE_CHANGE") {
                        ++stored[StringField(row, "event_id").value_or("")];
                    }
                }
                stored_count[job_id] = stored.size();
                for (const auto& [event_id, copies] : stored) {
                    if (copies > 1) {
                        duplicated.push_back(event_id + " x" + std::to_string(copies));
                    }
                }
                const auto& expected = on_topic[job_id];
                const bool same = stored.size() == expected.size() &&
                                  std::all_of(expected.begin(), expected.end(),
                                              [&](const auto& entry) { return stored.count(entry.first) != 0; });
                if (same) {
                    matched.insert(job_id);
                }
            }
            // A duplicate never goes away: stop waiting.
            return matched.size() == jobs.size() || !duplicated.empty();
        },
        seconds(90), milliseconds(250));
    EXPECT_TRUE(duplicated.empty()) << "stored more than once: " << Sample(duplicated);
    std::vector<std::string> missing;
    for (const auto& [job_id, status] : jobs) {
        if (matched.count(job_id) == 0) {
            missing.push_back(job_id + " (stored " + std::to_string(stored_count[job_id]) + " of " +
                              std::to_string(on_topic[job_id].size()) + ")");
        }
    }
    EXPECT_TRUE(missing.empty()) << missing.size()
                                 << " jobs whose STATE_CHANGE events are not all stored: " << Sample(missing);

    std::cout << "[e2e] audit-trail: " << total << " STATE_CHANGE events of " << on_topic.size()
              << " jobs; stored exactly once for " << matched.size() << std::endl;
    if (const HttpResponse metrics = http.Get("/metrics"); metrics.status == 200) {
        // Informational: how many redelivered rows the store skipped (non-zero after a kill).
        const auto duplicates = MetricValue(metrics.body, R"(cosmic_audit_rows_total{outcome="duplicate"})");
        std::cout << "[e2e] audit-consumer skipped " << duplicates.value_or(-1) << " duplicate rows" << std::endl;
        ::testing::Test::RecordProperty("audit_duplicate_rows", std::to_string(duplicates.value_or(-1)));
    }

    const HttpResponse verify = http.Get("/api/v1/audit/verify", kAuditorToken);
    ASSERT_EQ(verify.status, 200) << verify.Describe();
    const JsonDoc verified(verify.body);
    EXPECT_EQ(BoolField(verified.Root(), "ok"), std::optional<bool>(true)) << "chain does not verify: " << verify.body;

    const HttpResponse report = http.Get("/api/v1/audit/compliance-report", kAuditorToken);
    ASSERT_EQ(report.status, 200) << report.Describe();
    const JsonDoc report_doc(report.body);
    EXPECT_EQ(BoolField(report_doc.Root(), "chain_verified"), std::optional<bool>(true)) << report.body;
    EXPECT_GE(IntField(report_doc.Root(), "total_events").value_or(0), static_cast<std::int64_t>(total)) << report.body;
}

std::vector<std::string> Stack::RestartExited() {
    std::vector<std::string> restarted;
    for (ServiceProcess* service : Services()) {
        if (service->Running()) continue;
        const int status = service->Stop();  // reaps it; the exit status it had
        restarted.push_back(service->Name() + " (exit " + std::to_string(status) + ")");
        std::cout << "[e2e] " << service->Name() << " exited with " << status << "; restarting it as a supervisor would"
                  << std::endl;
        service->Start();
    }
    return restarted;
}

std::vector<std::string> Stack::SuperviseUntilQuiet(milliseconds quiet, milliseconds timeout) {
    std::vector<std::string> all;
    auto last_exit = Clock::now();
    WaitUntil(
        [&] {
            const auto restarted = RestartExited();
            if (!restarted.empty()) {
                all.insert(all.end(), restarted.begin(), restarted.end());
                last_exit = Clock::now();
            }
            return Clock::now() - last_exit >= quiet;
        },
        timeout, milliseconds(500));
    return all;
}

void Stack::StopAll() {
    const auto services = Services();
    for (auto it = services.rbegin(); it != services.rend(); ++it) {
        ServiceProcess* service = *it;
        service->Resume();
        const auto start = Clock::now();
        EXPECT_EQ(service->Stop(), 0) << service->Name() << " did not stop cleanly on SIGTERM:\n" << service->LogTail();
        RecordTiming("stop_" + service->Name(), ElapsedMs(start));
    }
}

void Stack::CheckAll(const FinalStatus& jobs) {
    auto start = Clock::now();
    CheckLifecycle(jobs);
    RecordTiming("check_lifecycle", ElapsedMs(start));
    start = Clock::now();
    CheckMetrics(jobs);
    RecordTiming("check_metrics", ElapsedMs(start));
    start = Clock::now();
    CheckAudit(jobs);
    RecordTiming("check_audit", ElapsedMs(start));
    if (notifications_) {
        start = Clock::now();
        CheckNotifications(jobs);
        RecordTiming("check_notifications", ElapsedMs(start));
    }
}

void Stack::CheckNotifications(const FinalStatus& jobs) {
    ASSERT_TRUE(notifications_) << "this stack runs without notification-consumer";
    // Mail: one per terminal job (a repeat after a crash keeps its Message-ID), its subject naming
    // the job and its outcome.
    std::map<std::string, std::map<std::string, std::string>> subjects;  // job -> Message-ID -> subject
    const auto read_mail = [&] {
        subjects.clear();
        for (const auto& mail : smtp_->Mails()) {
            const std::string subject = mail.Header("Subject");
            for (const auto& [job_id, status] : jobs) {
                // "Job <name> (<job id>) <outcome>": the id in parentheses, so job-1 is not job-12.
                if (subject.find("(" + job_id + ")") != std::string::npos) {
                    subjects[job_id][mail.Header("Message-ID")] = subject;
                }
            }
        }
        return subjects.size() == jobs.size();
    };
    // Webhook: one signed delivery per terminal job (a repeat keeps its delivery id).
    std::map<std::string, std::set<std::string>> deliveries;  // job -> X-Cosmic-Delivery ids
    std::map<std::string, std::string> outcomes;
    std::vector<std::string> bad_signatures;
    const auto read_hooks = [&] {
        deliveries.clear();
        bad_signatures.clear();
        for (const auto& hook : hooks_->RequestsTo("/hooks/" + std::string(kUserId))) {
            const JsonDoc doc(hook.body);
            const std::string job_id = StringField(doc.Root(), "job_id").value_or("");
            if (jobs.count(job_id) == 0) continue;
            deliveries[job_id].insert(hook.Header("X-Cosmic-Delivery"));
            outcomes[job_id] = StringField(doc.Root(), "event_type").value_or("");
            if (!WebhookSignatureValid(kWebhookSecret, hook.Header("X-Cosmic-Timestamp"), hook.body,
                                       hook.Header("X-Cosmic-Signature"))) {
                bad_signatures.push_back(job_id);
            }
        }
        return deliveries.size() == jobs.size();
    };
    // In-app: one per terminal job in the user's list.
    HttpClient http(notifications_->BaseUrl());
    std::map<std::string, int> in_app;
    const auto read_in_app = [&] {
        in_app.clear();
        std::string cursor;
        do {
            const HttpResponse page = http.Get(
                "/api/v1/notifications?limit=100" + (cursor.empty() ? "" : "&cursor=" + UrlEncode(cursor)), kUserToken);
            if (page.status != 200) {
                ADD_FAILURE() << "GET /api/v1/notifications: " << page.Describe();
                return true;
            }
            const JsonDoc doc(page.body);
            simdjson::dom::array rows;
            if (doc.Root()["notifications"].get_array().get(rows) != simdjson::SUCCESS) return false;
            for (simdjson::dom::element row : rows) {
                const std::string job_id = StringField(row, "job_id").value_or("");
                if (jobs.count(job_id) != 0) ++in_app[job_id];
            }
            cursor = StringField(doc.Root(), "next_cursor").value_or("");
        } while (!cursor.empty());
        return in_app.size() == jobs.size();
    };
    WaitUntil([&] { return read_mail() && read_hooks() && read_in_app(); }, seconds(90), milliseconds(250));

    std::vector<std::string> wrong;
    for (const auto& [job_id, status] : jobs) {
        const auto& mails = subjects[job_id];
        if (mails.size() != 1 || mails.begin()->second.find(status) == std::string::npos) {
            wrong.push_back(job_id + ": " + std::to_string(mails.size()) + " mails" +
                            (mails.empty() ? "" : " (\"" + mails.begin()->second + "\")"));
        }
        if (deliveries[job_id].size() != 1 || outcomes[job_id] != "job." + status) {
            wrong.push_back(job_id + ": " + std::to_string(deliveries[job_id].size()) + " webhook deliveries (" +
                            outcomes[job_id] + ")");
        }
        if (in_app[job_id] != 1) {
            wrong.push_back(job_id + ": " + std::to_string(in_app[job_id]) + " in-app notifications");
        }
    }
    EXPECT_TRUE(wrong.empty()) << wrong.size() << " deliveries differ from one per channel and job: " << Sample(wrong);
    EXPECT_TRUE(bad_signatures.empty()) << "webhooks with a bad signature: " << Sample(bad_signatures);
    std::cout << "[e2e] notifications: " << smtp_->Count() << " mails, "
              << hooks_->RequestsTo("/hooks/").size() << " webhooks, " << in_app.size()
              << " jobs in the in-app list" << std::endl;
}

std::string Stack::CheckHealth(const std::vector<std::string>& accepted) {
    if (!health_) {
        ADD_FAILURE() << "this stack runs without health-monitor";
        return {};
    }
    HttpClient http(health_->BaseUrl());
    std::string body;
    std::string why = "no answer";
    const bool ok = WaitUntil(
        [&] {
            const HttpResponse result = http.Get("/api/v1/health", kAdminToken);
            if (result.status != 200) {
                why = result.Describe();
                return false;
            }
            body = result.body;
            const JsonDoc doc(body);
            const std::string status = StringField(doc.Root(), "status").value_or("");
            std::set<std::string> heard;
            simdjson::dom::array components;
            if (doc.Root()["components"].get_array().get(components) == simdjson::SUCCESS) {
                for (simdjson::dom::element component : components) {
                    const std::string state = StringField(component, "status").value_or("");
                    if (state != "DOWN") heard.insert(StringField(component, "component").value_or(""));
                }
            }
            for (ServiceProcess* service : Services()) {
                if (heard.count(service->Name()) == 0) {
                    why = service->Name() + " is not heard of (or DOWN)";
                    return false;
                }
            }
            why = "status " + status;
            return std::find(accepted.begin(), accepted.end(), status) != accepted.end();
        },
        seconds(60), milliseconds(500));
    EXPECT_TRUE(ok) << "health-monitor: " << why << "\n" << body.substr(0, 3000);
    return body;
}

std::vector<std::pair<std::string, std::string>> Stack::AlertPosts() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const AlertPost& post : AlertTransitions()) out.emplace_back(post.alertname, post.status);
    return out;
}

std::vector<Stack::AlertPost> Stack::AlertTransitions() const {
    std::vector<AlertPost> out;
    if (!hooks_) return out;
    for (const auto& post : hooks_->RequestsTo("/alerts")) {
        try {
            const JsonDoc doc(post.body);
            simdjson::dom::array alerts;
            if (doc.Root()["alerts"].get_array().get(alerts) != simdjson::SUCCESS) continue;
            for (simdjson::dom::element alert : alerts) {
                simdjson::dom::element labels;
                if (alert["labels"].get(labels) != simdjson::SUCCESS) continue;
                out.push_back({StringField(labels, "alertname").value_or(""),
                               StringField(alert, "status").value_or(""), StringField(alert, "fingerprint").value_or("")});
            }
        } catch (const std::runtime_error&) {
            ADD_FAILURE() << "an alert post that is not JSON: " << post.body.substr(0, 300);
        }
    }
    return out;
}

bool Stack::WaitForAlert(std::string_view name, std::string_view status, milliseconds timeout, std::size_t after) {
    return WaitUntil(
        [&] {
            const auto posts = AlertPosts();
            return std::any_of(posts.begin() + static_cast<std::ptrdiff_t>(std::min(after, posts.size())), posts.end(),
                               [&](const auto& post) { return post.first == name && post.second == status; });
        },
        timeout, milliseconds(250));
}

std::string Stack::LastAlertStatus(std::string_view name) const {
    std::string last;
    for (const auto& [alert, status] : AlertPosts()) {
        if (alert == name) last = status;
    }
    return last;
}

}  // namespace cosmic::e2e
