#include "cosmic/store/sqlite.hpp"

#include <spdlog/spdlog.h>

#include <utility>

namespace cosmic::store {
namespace {

/// Long statements are cut in messages; the start names the statement well enough.
constexpr std::size_t kSqlInMessage = 80;

/// "sqlite: <what> <sql> (<file>): <error>" — the file is omitted for in-memory databases.
[[noreturn]] void Fail(sqlite3* db, int rc, std::string_view what, std::string_view sql,
                       const char* error_text = nullptr) {
    std::string message = "sqlite: ";
    message.append(what);
    if (!sql.empty()) {
        message.append(" \"").append(sql.substr(0, kSqlInMessage));
        if (sql.size() > kSqlInMessage) message.append("...");
        message.append("\"");
    }
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    if (file != nullptr && *file != '\0') message.append(" (").append(file).append(")");
    message.append(": ");
    if (error_text != nullptr) {
        message.append(error_text);
    } else {
        message.append(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    }
    throw StoreError(message, rc);
}

void CheckBind(sqlite3_stmt* stmt, int rc, int index) {
    if (rc != SQLITE_OK) {
        Fail(sqlite3_db_handle(stmt), rc, "bind ?" + std::to_string(index) + " of", sqlite3_sql(stmt));
    }
}

}  // namespace

bool StoreError::Transient() const noexcept {
    const int primary = sqlite_code_ & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

void Check(sqlite3* db, int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return;
    Fail(db, rc, what, {});
}

Statement::Statement(sqlite3* db, std::string_view sql) {
    const int rc =
        sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        Fail(db, rc, "prepare", sql);
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

Statement& Statement::Bind(int index, std::int64_t value) {
    CheckBind(stmt_, sqlite3_bind_int64(stmt_, index, value), index);
    return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
    CheckBind(stmt_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
              index);
    return *this;
}

Statement& Statement::BindStatic(int index, std::string_view text) {
    CheckBind(stmt_, sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8), index);
    return *this;
}

Statement& Statement::BindDouble(int index, double value) {
    CheckBind(stmt_, sqlite3_bind_double(stmt_, index, value), index);
    return *this;
}

Statement& Statement::BindBlob(int index, const void* data, std::size_t size) {
    // SQLite binds a null data pointer as NULL; an empty blob must stay a blob.
    static const char kEmpty = 0;
    CheckBind(stmt_, sqlite3_bind_blob64(stmt_, index, size == 0 ? &kEmpty : data, size, SQLITE_TRANSIENT), index);
    return *this;
}

Statement& Statement::BindNull(int index) {
    CheckBind(stmt_, sqlite3_bind_null(stmt_, index), index);
    return *this;
}

bool Statement::Step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // Build the message before the reset (which may change the error), then leave the statement
    // reusable.
    sqlite3* db = sqlite3_db_handle(stmt_);
    const std::string error = sqlite3_errmsg(db);
    sqlite3_reset(stmt_);
    Fail(db, rc, "step", Sql(), error.c_str());
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

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

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

std::string_view Statement::Sql() const {
    const char* sql = stmt_ != nullptr ? sqlite3_sql(stmt_) : nullptr;
    return sql != nullptr ? std::string_view(sql) : std::string_view();
}

Database::Database(std::string path, Mode mode, int busy_timeout_ms) : path_(std::move(path)) {
    const int flags = (mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                      SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message =
            "sqlite: open " + path_ + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
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
        const std::string error_text = error != nullptr ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        Fail(db_, rc, "exec", sql, error_text.c_str());
    }
}

std::int64_t Database::QueryInt(std::string_view sql) {
    Statement query = Prepare(sql);
    return query.Step() ? query.Int(0) : 0;
}

void Database::EnableWal() {
    Statement mode = Prepare("PRAGMA journal_mode = WAL");
    if (!mode.Step() || mode.Text(0) != "wal") {
        throw StoreError("sqlite: " + path_ + " cannot use WAL journal mode (got " + std::string(mode.Text(0)) + ")",
                         SQLITE_ERROR);
    }
}

void Database::SetUserVersion(std::int64_t version) { Exec("PRAGMA user_version = " + std::to_string(version)); }

std::int64_t Database::Changes() const { return sqlite3_changes64(db_); }

Transaction::Transaction(Database& db, Kind kind) : db_(db) {
    db_.Exec(kind == Kind::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (!open_) return;
    // A failed statement may already have rolled the transaction back; ROLLBACK then fails
    // harmlessly, so only log when a transaction is still open.
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

}  // namespace cosmic::store
