#pragma once
/// Reads one number from a service's SQLite file while the service runs (read-only, waits out
/// the writer's locks), for tests that count what a crashed and restarted service stored.
/// Header-only: tests that use it link SQLite through the store they inspect.

#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace cosmic::testing {

/// The first column of the first row of `sql`, or -1 when the file or the query fails.
inline std::int64_t QueryInt64(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    std::int64_t value = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
            value = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return value;
}

}  // namespace cosmic::testing
