#include "slice.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>

#include "support/e2e_env.hpp"
#include "support/json.hpp"
#include "support/metrics_text.hpp"
#include "support/topic_reader.hpp"

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

VerticalSlice::VerticalSlice(std::string_view run_name, ExecutorSettings executor)
    : run_dir_(FreshRunDir(run_name)), bootstrap_(Cluster().bootstrap) {
    WriteTokensFile(run_dir_ / "tokens.json", {{std::string(kUserToken), std::string(kUserId), {"user"}},
                                               {std::string(kAdminToken), "e2e-admin", {"admin"}},
                                               {std::string(kAuditorToken), "e2e-auditor", {"auditor"}}});
    // A consumer killed with SIGKILL stays in its group until its session times out; 6 s (the
    // broker's minimum) instead of 45 s lets a restarted one get its partitions back quickly.
    const std::map<std::string, std::string> consumer_env = {{"KAFKA_SESSION_TIMEOUT_MS", "6000"},
                                                             {"KAFKA_HEARTBEAT_INTERVAL_MS", "1000"}};
    auto audit_env = consumer_env;
    audit_env["COSMIC_AUDIT_CHECKPOINT_INTERVAL_MS"] = "2000";  // checkpoints inside the test's window
    audit_ = MakeService("audit-consumer", audit_env);
    metrics_ = MakeService("metrics-consumer", consumer_env);
    auto orchestrator_env = consumer_env;
    orchestrator_env.merge(std::map<std::string, std::string>{
        {"COSMIC_EXECUTOR_CONCURRENCY", std::to_string(executor.concurrency)},
        {"COSMIC_EXECUTOR_DURATION_DISTRIBUTION", "uniform"},
        {"COSMIC_EXECUTOR_DURATION_MIN_MS", std::to_string(executor.duration_min_ms)},
        {"COSMIC_EXECUTOR_DURATION_MAX_MS", std::to_string(executor.duration_max_ms)},
        {"COSMIC_EXECUTOR_METRICS_INTERVAL_MS", std::to_string(executor.metrics_interval_ms)},
        {"COSMIC_EXECUTOR_FAILURE_RATE", std::to_string(executor.failure_rate)},
        {"COSMIC_EXECUTOR_POLL_INTERVAL_MS", "100"},
        {"COSMIC_STORE_SYNCHRONOUS", "normal"},
        {"COSMIC_HEARTBEAT_INTERVAL_MS", "2000"},
    });
    orchestrator_ = MakeService("job-orchestrator", orchestrator_env);
}

VerticalSlice::~VerticalSlice() {
    for (ServiceProcess* service : {orchestrator_.get(), metrics_.get(), audit_.get()}) {
        if (service != nullptr) {
            service->Stop();
        }
    }
}

std::unique_ptr<ServiceProcess> VerticalSlice::MakeService(const std::string& name,
                                                           std::map<std::string, std::string> env) {
    ServiceOptions options = E2eServiceOptions(name, run_dir_, bootstrap_, env);
    options.tokens_file = run_dir_ / "tokens.json";
    return std::make_unique<ServiceProcess>(std::move(options));
}

void VerticalSlice::RecordTiming(const std::string& what, long long ms) {
    std::cout << "[e2e timing] " << what << ": " << ms << " ms" << std::endl;
    ::testing::Test::RecordProperty(what + "_ms", std::to_string(ms));
}

void VerticalSlice::ExpectNoUnknownSettings(ServiceProcess& service) {
    // A misspelt setting is only a warning to the service; here it would silently test defaults.
    const std::string log = service.LogTail(1 << 20);
    EXPECT_EQ(log.find("unknown environment variable"), std::string::npos)
        << service.Name() << " ignored a setting the test gave it:\n"
        << log.substr(0, 4000);
}

void VerticalSlice::StartAll() {
    for (ServiceProcess* service : {audit_.get(), metrics_.get(), orchestrator_.get()}) {
        const auto start = Clock::now();
        service->Start();
        RecordTiming("start_" + service->Name(), ElapsedMs(start));
        ExpectNoUnknownSettings(*service);
    }
    orchestrator_http_ = std::make_unique<HttpClient>(orchestrator_->BaseUrl());
}

std::vector<std::string> VerticalSlice::SubmitJobs(int count, std::string_view name_prefix) {
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

std::string VerticalSlice::Status(const std::string& job_id) {
    const HttpResponse result = orchestrator_http_->Get("/api/v1/jobs/" + job_id, kUserToken);
    if (result.status != 200) {
        return {};
    }
    const JsonDoc doc(result.body);
    return StringField(doc.Root(), "status").value_or("");
}

int VerticalSlice::CountInStatus(const std::vector<std::string>& ids, const std::vector<std::string>& statuses) {
    int count = 0;
    for (const auto& id : ids) {
        if (std::find(statuses.begin(), statuses.end(), Status(id)) != statuses.end()) {
            ++count;
        }
    }
    return count;
}

FinalStatus VerticalSlice::WaitAllTerminal(const std::vector<std::string>& ids, milliseconds timeout) {
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

void VerticalSlice::CheckLifecycle(const FinalStatus& jobs) {
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
        const std::vector<std::string> expected = {"job.submitted", "job.queued", "job.running", "job." + status};
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

void VerticalSlice::CheckMetrics(const FinalStatus& jobs) {
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

void VerticalSlice::CheckAudit(const FinalStatus& jobs) {
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

void VerticalSlice::StopAll() {
    for (ServiceProcess* service : {orchestrator_.get(), metrics_.get(), audit_.get()}) {
        const auto start = Clock::now();
        EXPECT_EQ(service->Stop(), 0) << service->Name() << " did not stop cleanly on SIGTERM:\n" << service->LogTail();
        RecordTiming("stop_" + service->Name(), ElapsedMs(start));
    }
}

void VerticalSlice::CheckAll(const FinalStatus& jobs) {
    auto start = Clock::now();
    CheckLifecycle(jobs);
    RecordTiming("check_lifecycle", ElapsedMs(start));
    start = Clock::now();
    CheckMetrics(jobs);
    RecordTiming("check_metrics", ElapsedMs(start));
    start = Clock::now();
    CheckAudit(jobs);
    RecordTiming("check_audit", ElapsedMs(start));
}

}  // namespace cosmic::e2e
