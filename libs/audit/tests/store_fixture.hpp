#pragma once
// Shared helpers for the audit store tests: a temporary directory, record builders and raw SQL
// access to the database file (to tamper with it the way an attacker with file access could).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::audit::testing {

inline std::int64_t WallNowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

inline std::string FormatMs(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[48];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
    return out;
}

/// A fresh temporary directory per test.
using TempDir = cosmic::testing::TempDir;

inline AuditRecord MakeRecord(std::int32_t partition, std::int64_t offset, std::int64_t occurred_ms,
                              std::string resource_id = "job-1", std::string user_id = "u1",
                              std::string action = "STATE_CHANGE") {
    AuditRecord r;
    r.topic = "audit-trail";
    r.partition = partition;
    r.offset = offset;
    r.kafka_timestamp_ms = occurred_ms;
    r.valid = true;
    r.event_id =
        "00000000-0000-4000-8000-" + std::string(12 - std::to_string(offset).size(), '0') + std::to_string(offset);
    r.action = std::move(action);
    std::string lower = r.action;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.event_type = "audit." + lower;
    r.occurred_at = FormatMs(occurred_ms);
    r.occurred_at_ms = occurred_ms;
    r.source = "job-orchestrator";
    r.correlation_id = "corr-" + std::to_string(offset);
    r.user_id = std::move(user_id);
    r.resource_id = resource_id;
    r.job_id = resource_id;
    r.payload = R"({"p":)" + std::to_string(partition) + R"(,"o":)" + std::to_string(offset) + R"(,"marker":"m-)" +
                std::to_string(partition) + "-" + std::to_string(offset) + R"(-x"})";
    return r;
}

inline AuditRecord MakeInvalid(std::int32_t partition, std::int64_t offset, std::int64_t kafka_ms, std::string raw,
                               std::string violation) {
    AuditRecord r;
    r.topic = "audit-trail";
    r.partition = partition;
    r.offset = offset;
    r.kafka_timestamp_ms = kafka_ms;
    r.valid = false;
    r.raw = std::move(raw);
    r.violation = std::move(violation);
    r.occurred_at_ms = kafka_ms;
    return r;
}

/// Records for offsets [first, first + count) of one partition, one per second from `start_ms`.
inline std::vector<AuditRecord> MakeRange(std::int32_t partition, std::int64_t first, std::int64_t count,
                                          std::int64_t start_ms) {
    std::vector<AuditRecord> out;
    for (std::int64_t i = 0; i < count; ++i) {
        out.push_back(MakeRecord(partition, first + i, start_ms + i * 1000, "job-" + std::to_string((first + i) % 7),
                                 "u" + std::to_string((first + i) % 3)));
    }
    return out;
}

/// Raw SQL on the database file, bypassing the store (as an attacker with file access would).
class RawDb {
  public:
    explicit RawDb(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("open failed");
        sqlite3_busy_timeout(db_, 5000);
    }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void Exec(const std::string& sql) {
        char* error = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
        const std::string message = error != nullptr ? error : "";
        sqlite3_free(error);
        if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
    }
    std::int64_t Int(const std::string& sql) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
        }
        std::int64_t value = -1;
        if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
        return value;
    }
    sqlite3* Handle() { return db_; }

  private:
    sqlite3* db_ = nullptr;
};

class StoreTest : public ::testing::Test {
  protected:
    std::string DbPath() const { return (dir_.Path() / "audit.db").string(); }

    SqliteAuditStore& Open(SqliteStoreOptions options = {}) {
        store_.reset();
        options.path = DbPath();
        store_ = std::make_unique<SqliteAuditStore>(std::move(options));
        return *store_;
    }
    void Close() { store_.reset(); }

    TempDir dir_;
    std::unique_ptr<SqliteAuditStore> store_;
};

}  // namespace cosmic::audit::testing
