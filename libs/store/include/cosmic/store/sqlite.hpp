#pragma once
/// A thin RAII layer over the SQLite C API shared by every service with an embedded store: a
/// connection, reusable prepared statements with bound parameters (values are never spliced into
/// SQL text) and a transaction guard. Errors throw StoreError naming the operation, the SQL and
/// the database file.

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cosmic::store {

/// A store operation failed; the message names the statement, the file and SQLite's error.
class StoreError : public std::runtime_error {
  public:
    StoreError(const std::string& message, int sqlite_code) : std::runtime_error(message), sqlite_code_(sqlite_code) {}
    /// SQLite's (extended) result code.
    int SqliteCode() const noexcept { return sqlite_code_; }
    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the database; worth retrying.
    bool Transient() const noexcept;

  private:
    int sqlite_code_;
};

/// A prepared statement (SQLITE_PREPARE_PERSISTENT: meant to be kept and reused).
class Statement {
  public:
    Statement() = default;
    /// Prepares `sql` (one statement) on `db`; throws StoreError naming the SQL.
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    /// Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) unless
    /// `BindStatic` is used, which requires the data to outlive the next Reset().
    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view text);
    Statement& BindStatic(int index, std::string_view text);
    Statement& BindDouble(int index, double value);
    /// A zero-length blob binds as an empty blob, not NULL.
    Statement& BindBlob(int index, const void* data, std::size_t size);
    Statement& BindBlob(int index, std::string_view bytes) { return BindBlob(index, bytes.data(), bytes.size()); }
    /// Fixed-size byte arrays (hashes, binary ids) bind as blobs.
    template <std::size_t N>
    Statement& Bind(int index, const std::array<std::uint8_t, N>& bytes) {
        return BindBlob(index, bytes.data(), N);
    }
    Statement& BindNull(int index);

    /// Runs one step: true when a row is available, false when done. On an error the statement is
    /// reset (reusable) and StoreError is thrown naming the SQL and the file.
    bool Step();
    /// Steps to completion, ignoring rows.
    void Run();
    /// Resets for re-execution and clears the bindings.
    void Reset();

    std::int64_t Int(int column) const;
    double Double(int column) const;
    bool IsNull(int column) const;
    std::string_view Text(int column) const;  ///< valid until the next Step/Reset
    std::string_view Blob(int column) const;  ///< valid until the next Step/Reset
    /// Copies a blob of exactly N bytes into `out`; false (out untouched) for another size or NULL.
    template <std::size_t N>
    bool BlobInto(int column, std::array<std::uint8_t, N>& out) const {
        const std::string_view blob = Blob(column);
        if (blob.size() != N) return false;
        std::memcpy(out.data(), blob.data(), N);
        return true;
    }

    /// The SQL text as prepared ("" for an empty statement).
    std::string_view Sql() const;
    sqlite3_stmt* Handle() const { return stmt_; }

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when the scope ends, whatever happened, so a failed or abandoned step does
/// not leave it holding a read snapshot.
class StatementScope {
  public:
    explicit StatementScope(Statement& statement) : statement_(statement) {}
    ~StatementScope() { statement_.Reset(); }
    StatementScope(const StatementScope&) = delete;
    StatementScope& operator=(const StatementScope&) = delete;

  private:
    Statement& statement_;
};

/// How long a connection waits for another one's lock before SQLITE_BUSY, unless told otherwise.
inline constexpr int kDefaultBusyTimeoutMs = 5000;

/// One connection (SQLITE_OPEN_NOMUTEX: use it from one thread at a time). Extended result codes
/// are on; the busy timeout makes readers and the writer wait for each other instead of failing.
class Database {
  public:
    enum class Mode { kReadWrite, kReadOnly };
    /// Opens `path` (creating it for kReadWrite). Throws StoreError naming the path.
    explicit Database(std::string path, Mode mode = Mode::kReadWrite, int busy_timeout_ms = kDefaultBusyTimeoutMs);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    /// Runs one or more statements without results (DDL, PRAGMA assignments).
    void Exec(std::string_view sql);
    Statement Prepare(std::string_view sql) { return Statement(db_, sql); }
    /// Runs a query and returns the first column of its first row (0 when there is no row).
    std::int64_t QueryInt(std::string_view sql);

    /// Switches to WAL journaling; throws StoreError when SQLite keeps another mode (an in-memory
    /// database, a file system without shared memory).
    void EnableWal();
    /// PRAGMA user_version: the schema version a store keeps in the file header.
    std::int64_t UserVersion() { return QueryInt("PRAGMA user_version"); }
    void SetUserVersion(std::int64_t version);

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    std::int64_t Changes() const;
    sqlite3* Handle() const { return db_; }
    const std::string& Path() const { return path_; }

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

/// BEGIN IMMEDIATE (writers) or DEFERRED (readers wanting one snapshot) ... COMMIT; rolls back on
/// destruction unless Commit() ran.
class Transaction {
  public:
    enum class Kind { kImmediate, kDeferred };
    explicit Transaction(Database& db, Kind kind = Kind::kImmediate);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void Commit();

  private:
    Database& db_;
    bool open_ = true;
};

/// Throws StoreError for a SQLite result code that is not OK/ROW/DONE; `what` names the operation.
void Check(sqlite3* db, int rc, std::string_view what);

}  // namespace cosmic::store
