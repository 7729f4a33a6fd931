#include "store/sqlite_db.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace cosmic::audit {

void Check(sqlite3* db, int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
    std::string message = "sqlite: ";
    message.append(what);
    message.append(": ");
    message.append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    throw StoreError(message, rc);
}

Statement::Statement(sqlite3* db, std::string_view sql) {
    const int rc =
        sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        Check(db, rc, std::string("prepare ") + std::string(sql.substr(0, 80)));
    }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

namespace {
void CheckBind(sqlite3_stmt* stmt, int rc) {
    if (rc != SQLITE_OK) Check(sqlite3_db_handle(stmt), rc, "bind");
}
}  // namespace

Statement& Statement::Bind(int index, std::int64_t value) {
    CheckBind(stmt_, sqlite3_bind_int64(stmt_, index, value));
    return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
    CheckBind(stmt_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
}

Statement& Statement::BindStatic(int index, std::string_view text) {
    CheckBind(stmt_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8));
    return *this;
}

Statement& Statement::BindBlob(int index, const void* data, std::size_t size) {
    // A zero-length blob still binds as a blob (not NULL) when data is non-null.
    static const char kEmpty = 0;
    CheckBind(stmt_, sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT));
    return *this;
}

Statement& Statement::BindNull(int index) {
    CheckBind(stmt_, sqlite3_bind_null(stmt_, index));
    return *this;
}

bool Statement::Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Read the message before the reset, then leave the statement reusable.
    sqlite3* db = sqlite3_db_handle(stmt_);
    std::string message = "sqlite: step ";
    const char* sql = sqlite3_sql(stmt_);
    message.append(sql != nullptr ? std::string_view(sql).substr(0, 80) : std::string_view("?"));
    message.append(": ");
    message.append(sqlite3_errmsg(db));
    sqlite3_reset(stmt_);
    throw StoreError(message, rc);
}

void Statement::Run() {
    while (Step()) {
    }
}

void Statement::Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string_view Statement::Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (text == nullptr) return {};
    return {text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::Blob(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    if (data == nullptr) return {};
    return {data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::HashAt(int column, Hash& out) const {
    const std::string_view blob = Blob(column);
    return FromBlob(blob.data(), blob.size(), out);
}

Hash Statement::HashAt(int column) const {
    Hash out{};
    if (!HashAt(column, out)) out = Hash{};
    return out;
}

Database::Database(const std::string& path, Mode mode, int busy_timeout_ms) : path_(path) {
    const int flags = (mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message =
            "sqlite: open " + path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw StoreError(message, rc);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Database::~Database() {
    // Statements are owned by their holders and finalized first; close_v2 defers if any remain.
    const int rc = sqlite3_close_v2(db_);
    if (rc != SQLITE_OK) spdlog::error("sqlite: closing {} failed: {}", path_, sqlite3_errstr(rc));
}

void Database::Exec(std::string_view sql) {
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = "sqlite: " + text.substr(0, 80) + ": " + (error != nullptr ? error : sqlite3_errstr(rc));
        sqlite3_free(error);
        throw StoreError(message, rc);
    }
}

std::int64_t Database::Changes() const { return sqlite3_changes64(db_); }

Transaction::Transaction(Database& db, Kind kind) : db_(db) {
    db_.Exec(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (!open_) return;
    // A failed statement may already have rolled the transaction back; ROLLBACK then fails
    // harmlessly, so only log.
    char* error = nullptr;
    if (sqlite3_exec(db_.Handle(), "ROLLBACK", nullptr, nullptr, &error) != SQLITE_OK &&
        sqlite3_get_autocommit(db_.Handle()) == 0) {
        spdlog::error("sqlite: rollback on {} failed: {}", db_.Path(), error != nullptr ? error : "?");
    }
    sqlite3_free(error);
}

void Transaction::Commit() {
    db_.Exec("COMMIT");
    open_ = false;
}

}  // namespace cosmic::audit
