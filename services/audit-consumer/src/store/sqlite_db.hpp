#pragma once
/// A thin RAII layer over the SQLite C API: a connection, reusable prepared statements with
/// bound parameters (values are never spliced into SQL text), and a transaction guard.

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "store/sha256.hpp"

namespace cosmic::audit {

/// A store operation failed; the message names the statement and SQLite's error.
class StoreError : public std::runtime_error {
  public:
    StoreError(const std::string& message, int sqlite_code) : std::runtime_error(message), sqlite_code_(sqlite_code) {}
    int SqliteCode() const noexcept { return sqlite_code_; }

  private:
    int sqlite_code_;
};

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    /// Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) unless
    /// `Static` is used, which requires the data to outlive the next Reset().
    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view text);
    Statement& BindStatic(int index, std::string_view text);
    Statement& BindBlob(int index, const void* data, std::size_t size);
    Statement& Bind(int index, const Hash& hash) { return BindBlob(index, hash.data(), hash.size()); }
    Statement& BindNull(int index);

    /// Runs one step: true when a row is available, false when done. Throws StoreError.
    bool Step();
    /// Steps to completion, expecting no rows.
    void Run();
    /// Resets for re-execution and clears bindings.
    void Reset();

    std::int64_t Int(int column) const;
    bool IsNull(int column) const;
    std::string_view Text(int column) const;   ///< valid until the next Step/Reset
    std::string_view Blob(int column) const;   ///< valid until the next Step/Reset
    Hash HashAt(int column) const;             ///< zero hash when the blob is not 32 bytes
    bool HashAt(int column, Hash& out) const;  ///< false when the blob is not 32 bytes

    sqlite3_stmt* Handle() const { return stmt_; }

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

class Database {
  public:
    enum class Mode { kReadWrite, kReadOnly };
    /// Opens (creating for kReadWrite) the file; busy timeout so readers and the writer wait
    /// for each other instead of failing.
    Database(const std::string& path, Mode mode, int busy_timeout_ms = 5000);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void Exec(std::string_view sql);
    Statement Prepare(std::string_view sql) { return Statement(db_, sql); }
    std::int64_t Changes() const;
    sqlite3* Handle() const { return db_; }
    const std::string& Path() const { return path_; }

  private:
    sqlite3* db_ = nullptr;
    std::string path_;
};

/// BEGIN IMMEDIATE (or DEFERRED for readers) ... COMMIT; rolls back if not committed.
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

/// Throws StoreError for a SQLite result code that is not OK/ROW/DONE.
void Check(sqlite3* db, int rc, std::string_view what);

}  // namespace cosmic::audit
