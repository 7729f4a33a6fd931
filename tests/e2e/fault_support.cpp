#include "fault_support.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <set>
#include <thread>

#include "support/group_offsets.hpp"
#include "support/json.hpp"
#include "support/prometheus_text.hpp"
#include "support/topic_reader.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// Every value of the first column of `sql` over the SQLite files `dbs` (read-only, waiting out
/// the writers' locks); a file that cannot be read adds nothing.
std::vector<std::string> QueryColumn(const std::vector<std::filesystem::path>& dbs, const std::string& sql) {
    std::vector<std::string> out;
    for (const auto& path : dbs) {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_busy_timeout(db, 2000);
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
                while (sqlite3_step(stmt) == SQLITE_ROW) {
                    const auto* text = sqlite3_column_text(stmt, 0);
                    out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
                }
            }
            sqlite3_finalize(stmt);
        }
        sqlite3_close(db);
    }
    return out;
}

/// (rows, distinct values) of the first column of `sql` over `dbs` together.
std::pair<std::int64_t, std::int64_t> RowsAndDistinct(const std::vector<std::filesystem::path>& dbs,
                                                      const std::string& sql) {
    const std::vector<std::string> values = QueryColumn(dbs, sql);
    const std::set<std::string> distinct(values.begin(), values.end());
    return {static_cast<std::int64_t>(values.size()), static_cast<std::int64_t>(distinct.size())};
}

}  // namespace

int Soak() {
    const char* soak = std::getenv("COSMIC_FAULT_SOAK");
    return soak != nullptr && std::string(soak) == "1" ? 5 : 1;
}

void ReportLine(const std::string& test, const std::string& load, const std::string& faults, long long lost,
                long long duplicated, long long recovery_ms) {
    std::cout << "[fault] " << test << " | " << load << " | " << faults << " | lost " << lost << " | duplicated "
              << duplicated << " | recovery " << recovery_ms << " ms" << std::endl;
    ::testing::Test::RecordProperty("lost", std::to_string(lost));
    ::testing::Test::RecordProperty("duplicated", std::to_string(duplicated));
    ::testing::Test::RecordProperty("recovery_ms", std::to_string(recovery_ms));
}

std::pair<std::int64_t, std::int64_t> AuditRows(const std::vector<std::filesystem::path>& dbs,
                                                const std::string& prefix) {
    return RowsAndDistinct(dbs, "SELECT event_id FROM audit_events WHERE resource_id LIKE '" + prefix + "-%'");
}

std::pair<std::int64_t, std::int64_t> AuditRows(ServiceProcess& audit, const std::string& prefix) {
    return AuditRows({audit.DataDir() / "audit.db"}, prefix);
}

std::pair<std::int64_t, std::int64_t> WaitAuditStored(const std::vector<std::filesystem::path>& dbs,
                                                      const std::string& prefix, std::int64_t events,
                                                      milliseconds timeout) {
    WaitUntil([&] { return AuditRows(dbs, prefix).second >= events; }, timeout, milliseconds(250));
    return AuditRows(dbs, prefix);
}

std::pair<std::int64_t, std::int64_t> WaitAuditStored(ServiceProcess& audit, const std::string& prefix,
                                                      std::int64_t events, milliseconds timeout) {
    return WaitAuditStored({audit.DataDir() / "audit.db"}, prefix, events, timeout);
}

bool ChainVerifies(ServiceProcess& audit) {
    const HttpResponse verify = HttpClient(audit.BaseUrl()).Get("/api/v1/audit/verify", kAuditorToken);
    return verify.status == 200 && BoolField(JsonDoc(verify.body).Root(), "ok") == std::optional<bool>(true);
}

std::pair<std::int64_t, std::int64_t> InAppRows(const std::vector<std::filesystem::path>& dbs,
                                                const std::string& prefix) {
    return RowsAndDistinct(dbs, "SELECT event_id FROM inapp WHERE job_id LIKE '" + prefix + "-%'");
}

std::pair<std::size_t, std::size_t> MailsOfPrefix(const SmtpSink& sink, const std::string& prefix) {
    std::size_t mails = 0;
    std::set<std::string> message_ids;
    for (const auto& mail : sink.Mails()) {
        // Subjects name the job as "(<job id>)".
        if (mail.Header("Subject").find("(" + prefix + "-") == std::string::npos) continue;
        ++mails;
        message_ids.insert(mail.Header("Message-ID"));
    }
    return {mails, message_ids.size()};
}

StackOptions AuditOnly(const std::string& group) {
    StackOptions options;
    options.only = {"audit-consumer"};
    options.notifications = false;
    options.health = false;
    options.env["audit-consumer"] = {{"COSMIC_CONSUMER_GROUP_ID", group}};
    return options;
}

std::string FreshGroup(const std::string& service, const std::string& tag) {
    return service + "-fault-" + std::to_string(::getpid()) + "-" + tag;
}

StackOptions Alone(const std::string& service, const std::string& group, const std::string& topic,
                   std::map<std::string, std::string> env) {
    // The first group of a fresh cluster waits for the offsets topic to be created.
    CommitGroupAtEnd(Cluster().bootstrap, group, topic, std::chrono::seconds(60));
    StackOptions options;
    options.only = {service};
    options.notifications = service == "notification-consumer";
    options.health = service == "health-monitor";
    env["COSMIC_CONSUMER_GROUP_ID"] = group;
    options.env[service] = std::move(env);
    return options;
}

FinalStatus LoadgenFinalStatus(const std::string& prefix, int jobs, int failure_percent) {
    FinalStatus out;
    for (int i = 0; i < jobs; ++i) {
        out[prefix + "-" + std::to_string(i)] = (i * 37) % 100 < failure_percent ? "failed" : "completed";
    }
    return out;
}

std::size_t RecordsOfPrefix(const std::string& bootstrap, const std::string& topic, const std::string& prefix) {
    std::int64_t on_topic = 0;
    for (const auto& [partition, at] : ReadGroupOffsets(bootstrap, "e2e-fault-probe", topic)) {
        on_topic += at.high - at.low;
    }
    TopicReader reader(bootstrap, topic);
    const bool read = reader.PollUntil(
        [&](const std::vector<TopicRecord>& records) { return static_cast<std::int64_t>(records.size()) >= on_topic; },
        seconds(60));
    EXPECT_TRUE(read) << topic << ": read " << reader.Records().size() << " of " << on_topic << " records";
    std::size_t count = 0;
    for (const auto& record : reader.Records()) {
        if (record.key && record.key->rfind(prefix + "-", 0) == 0) ++count;
    }
    return count;
}

double ConsumedTotal(ServiceProcess& service) {
    const HttpResponse metrics = HttpClient(service.BaseUrl()).Get("/metrics");
    return metrics.status == 200 ? SumSamples(metrics.body, "cosmic_events_consumed_total") : 0;
}

CrashLoop::CrashLoop(Stack& stack, ServiceProcess& service, bool new_instance, milliseconds min_pause,
                     milliseconds max_pause)
    : stack_(stack),
      current_(&service),
      new_instance_(new_instance),
      pause_ms_(static_cast<int>(min_pause.count()), static_cast<int>(max_pause.count())) {
    const unsigned seed = static_cast<unsigned>(std::random_device{}());
    random_.seed(seed);
    std::cout << "[fault] crash loop of " << service.Name() << ": seed " << seed << std::endl;
}

void CrashLoop::KillAndRestart(const std::function<void()>& while_down) {
    std::this_thread::sleep_for(milliseconds(pause_ms_(random_)));  // a random point of the load, not a sync
    current_->Kill();
    ++kills_;
    if (while_down) while_down();
    if (new_instance_) {
        const std::string name = current_->Name();
        current_ = &stack_.Reschedule(name, name + "-pod-" + std::to_string(kills_));
    }
    last_restart_ = Clock::now();
    current_->Start();
}

std::string CrashLoop::Describe() const {
    return std::to_string(kills_) + " x kill -9" + (new_instance_ ? " (new instance id)" : " (same instance id)");
}

long long CrashLoop::WaitConsuming(milliseconds timeout) {
    const bool consuming = WaitUntil([&] { return ConsumedTotal(*current_) > 0; }, timeout, milliseconds(50));
    return consuming ? ElapsedMs(last_restart_) : -1;
}

}  // namespace cosmic::e2e
