#pragma once
/// A thin RAII layer over the SQLite C API: a connection, prepared statements with bound
/// parameters (values are never spliced into SQL text) and a transaction guard.

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cosmic::orchestrator {

/// A store operation failed; the message names the statement and SQLite's error.
class StoreError : public std::runtime_error {
  public:
    StoreError(const std::string& message, int sqlite_code) : std::runtime_error(message), sqlite_code_(sqlite_code) {}
    int SqliteCode() const noexcept { return sqlite_code_; }
    /// SQLITE_BUSY / SQLITE_LOCKED: another process holds the database; worth retrying.
    bool Transient() const noexcept;

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

    /// Parameters are 1-based. Text and blobs are copied by SQLite.
    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view text);
    Statement& BindBlob(int index, std::string_view bytes);
    Statement& BindNull(int index);

    /// One step: true when a row is available. Throws StoreError.
    bool Step();
    /// Steps to completion.
    void Run();
    /// Resets for re-execution and clears the bindings.
    void Reset();

    std::int64_t Int(int column) const;
    bool IsNull(int column) const;
    std::string_view Text(int column) const;  ///< valid until the next Step/Reset
    std::string_view Blob(int column) const;  ///< valid until the next Step/Reset

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// Resets a statement when the scope ends, whatever happened, so a failed step does not leave it
/// holding a read snapshot.
class StatementScope {
  public:
    explicit StatementScope(Statement& statement) : statement_(statement) {}
    ~StatementScope() { statement_.Reset(); }
    StatementScope(const StatementScope&) = delete;
    StatementScope& operator=(const StatementScope&) = delete;

  private:
    Statement& statement_;
};

class Database {
  public:
    /// Opens (creating) the file read-write; waits up to `busy_timeout_ms` for other connections.
    Database(const std::string& path, int busy_timeout_ms);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void Exec(std::string_view sql);
    Statement Prepare(std::string_view sql) { return Statement(db_, sql); }
    std::int64_t Changes() const;
    sqlite3* Handle() const { return db_; }

  private:
    sqlite3* db_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit() ran.
class Transaction {
  public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void Commit();

  private:
    Database& db_;
    bool done_ = false;
};

}  // namespace cosmic::orchestrator
