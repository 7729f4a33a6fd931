#pragma once
/// A thin RAII layer over libpq shared by every service with a PostgreSQL store: a connection
/// with named prepared statements (prepared once per connection, on first use; values are always
/// parameters, never spliced into SQL), a small bounded pool, a transaction guard, versioned
/// migrations serialised across replicas by an advisory lock, and the classification of errors
/// into transient (retry: the server restarts, a deadlock, a serialization failure) and permanent.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cosmic/store/sqlite.hpp"

struct pg_conn;
struct pg_result;

namespace cosmic::store::pg {

/// A PostgreSQL operation failed. The message names the operation and the server's error. A
/// StoreError (SqliteCode() 0), so code written against either store catches both; catch PgError
/// first where the SQLSTATE matters.
class PgError : public StoreError {
  public:
    PgError(const std::string& message, std::string sqlstate, bool connection_lost)
        : StoreError(message, 0), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost) {}
    /// The five-character SQLSTATE ("" when the connection failed before the server answered).
    const std::string& SqlState() const noexcept { return sqlstate_; }
    /// The connection is unusable (server gone, network): the pool drops it.
    bool ConnectionLost() const noexcept { return connection_lost_; }
    /// Worth retrying the whole transaction: connection failures (class 08, a lost connection),
    /// serialization failures and deadlocks (40001, 40P01), the server shutting down or starting
    /// (57P01-57P03), insufficient resources (class 53) and lock timeouts (55P03).
    bool Transient() const noexcept;
    /// 23505: a unique constraint refused the row.
    bool UniqueViolation() const noexcept { return sqlstate_ == "23505"; }

  private:
    std::string sqlstate_;
    bool connection_lost_;
};

/// Parameters of one statement, in text format except bytea (binary), so any bytes survive.
class Params {
  public:
    Params& Add(std::string_view text);
    Params& Add(const char* text) { return Add(std::string_view(text)); }
    Params& Add(const std::string& text) { return Add(std::string_view(text)); }
    Params& Add(std::int64_t value);
    Params& Add(int value) { return Add(static_cast<std::int64_t>(value)); }
    Params& AddBytes(std::string_view bytes);
    Params& AddNull();
    /// An int8[] literal ("{1,2,3}") for `= ANY($n)`.
    Params& AddArray(std::span<const std::int64_t> values);
    void Clear();

    int Count() const { return static_cast<int>(values_.size()); }
    const char* const* Values() const;
    const int* Lengths() const { return lengths_.data(); }
    const int* Formats() const { return formats_.data(); }

  private:
    std::vector<std::string> storage_;
    std::vector<bool> null_;
    std::vector<int> lengths_;
    std::vector<int> formats_;
    mutable std::vector<const char*> values_;
};

/// A result set (text format). Row and column indexes are 0-based.
class Result {
  public:
    Result() = default;
    explicit Result(pg_result* result) : result_(result) {}
    ~Result();
    Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
    Result& operator=(Result&& other) noexcept;
    Result(const Result&) = delete;
    Result& operator=(const Result&) = delete;

    int Rows() const;
    bool IsNull(int row, int column) const;
    std::string_view Text(int row, int column) const;
    std::int64_t Int(int row, int column) const;
    double Double(int row, int column) const;
    bool Bool(int row, int column) const { return Text(row, column) == "t"; }
    /// A bytea column decoded from its hex text form.
    std::string Bytes(int row, int column) const;
    /// Rows changed by an INSERT/UPDATE/DELETE.
    std::int64_t Affected() const;

  private:
    pg_result* result_ = nullptr;
};

/// A named statement: prepared on a connection the first time it runs there.
struct Statement {
    std::string name;
    std::string sql;
};

/// One connection; use it from one thread at a time.
class Connection {
  public:
    /// Connects to `url` (postgresql://user:password@host:port/db?...); throws PgError (transient:
    /// the server may be starting) without the password in the message.
    explicit Connection(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Runs one or more statements without parameters (DDL, SET, BEGIN).
    Result Exec(std::string_view sql);
    /// Runs `statement` with `params`, preparing it on this connection first when needed.
    Result Run(const Statement& statement, const Params& params = {});
    /// Runs SQL with parameters without preparing it (one-off statements).
    Result RunOnce(std::string_view sql, const Params& params = {});

    /// False once the connection is broken (the pool then drops it).
    bool Healthy() const;
    pg_conn* Handle() const { return conn_; }

  private:
    Result Check(pg_result* result, std::string_view what, std::string_view sql);

    pg_conn* conn_ = nullptr;
    std::unordered_set<std::string> prepared_;
};

/// BEGIN ... COMMIT; rolls back on destruction unless Commit() ran.
class Transaction {
  public:
    explicit Transaction(Connection& connection, std::string_view begin = "BEGIN");
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void Commit();

  private:
    Connection& connection_;
    bool open_ = true;
};

struct PoolOptions {
    std::string url;
    /// Connections at most (the pool opens them on demand).
    std::size_t size = 4;
    /// How long Acquire waits for a free connection before PgError (transient).
    std::chrono::milliseconds acquire_timeout{std::chrono::seconds(10)};
    /// Run on every new connection (e.g. "SET synchronous_commit = on").
    std::string on_connect;
};

/// A bounded pool of connections. Broken connections are dropped on release and replaced by a new
/// one at the next Acquire, so a server restart heals without a service restart.
class Pool {
  public:
    explicit Pool(PoolOptions options);
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    class Lease {
      public:
        Lease(Pool& pool, std::unique_ptr<Connection> connection) : pool_(&pool), connection_(std::move(connection)) {}
        ~Lease();
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Connection& operator*() const { return *connection_; }
        Connection* operator->() const { return connection_.get(); }

      private:
        Pool* pool_;
        std::unique_ptr<Connection> connection_;
    };

    /// A connection (opening one when none is idle and fewer than `size` exist); throws PgError.
    Lease Acquire();
    const PoolOptions& Options() const { return options_; }
    /// Connections open now (idle and leased).
    std::size_t Open() const;

  private:
    void Release(std::unique_ptr<Connection> connection);

    PoolOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<Connection>> idle_;
    std::size_t open_ = 0;
};

struct RetryOptions {
    /// Give up (rethrow the transient error) after this long.
    std::chrono::milliseconds deadline{std::chrono::seconds(30)};
    std::chrono::milliseconds first_backoff{20};
    std::chrono::milliseconds max_backoff{1000};
};

/// Runs `work` on a pooled connection; when it throws a transient PgError (the server restarted,
/// a deadlock) it runs again on a fresh connection with backoff until the deadline. `work` must be
/// a whole transaction, so a retry repeats it from the start.
void WithRetry(Pool& pool, const std::function<void(Connection&)>& work, const RetryOptions& options = {});

/// One schema step. Versions of a component start at 1 and increase by 1.
struct Migration {
    int version;
    std::string_view description;
    std::string_view sql;
};

/// Applies the migrations of `component` that the database does not have yet, each in its own
/// transaction, recording them in `cosmic_schema_migrations`. A session advisory lock serialises
/// replicas starting at the same time: the second waits, then finds nothing to do. Throws PgError
/// when the database holds a newer version than `migrations` knows (a newer release wrote it).
/// Returns the version the database has afterwards.
int Migrate(Connection& connection, std::string_view component, std::span<const Migration> migrations);

/// The URL without its password (for logs and messages).
std::string RedactUrl(std::string_view url);

}  // namespace cosmic::store::pg
