#include "cosmic/store/postgres.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <thread>
#include <utility>

namespace cosmic::store::pg {
namespace {

constexpr std::size_t kSqlInMessage = 80;

std::string Shorten(std::string_view sql) {
    std::string out(sql.substr(0, kSqlInMessage));
    if (sql.size() > kSqlInMessage) out += "...";
    return out;
}

std::string Trim(const char* text) {
    std::string out = text != nullptr ? text : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

[[noreturn]] void Fail(pg_conn* conn, const pg_result* result, std::string_view what, std::string_view sql) {
    std::string message = "postgres: ";
    message.append(what);
    if (!sql.empty()) message.append(" \"").append(Shorten(sql)).append("\"");
    message.append(": ");
    std::string sqlstate;
    if (result != nullptr) {
        const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
        if (state != nullptr) sqlstate = state;
        message.append(Trim(PQresultErrorMessage(result)));
    } else if (conn != nullptr) {
        message.append(Trim(PQerrorMessage(conn)));
    }
    const bool lost = conn == nullptr || PQstatus(conn) != CONNECTION_OK;
    if (!sqlstate.empty()) message.append(" [").append(sqlstate).append("]");
    throw PgError(message, std::move(sqlstate), lost);
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool PgError::Transient() const noexcept {
    if (connection_lost_ || sqlstate_.empty()) return true;
    const std::string_view state = sqlstate_;
    return state.starts_with("08") || state.starts_with("53") || state == "40001" || state == "40P01" ||
           state == "57P01" || state == "57P02" || state == "57P03" || state == "55P03";
}

std::string RedactUrl(std::string_view url) {
    const std::size_t scheme = url.find("://");
    const std::size_t at = url.find('@');
    if (scheme == std::string_view::npos || at == std::string_view::npos || at < scheme) return std::string(url);
    const std::size_t colon = url.find(':', scheme + 3);
    if (colon == std::string_view::npos || colon > at) return std::string(url);
    return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

// --- Params -------------------------------------------------------------------------------------

Params& Params::Add(std::string_view text) {
    storage_.emplace_back(text);
    null_.push_back(false);
    lengths_.push_back(static_cast<int>(text.size()));
    formats_.push_back(0);
    values_.push_back(nullptr);
    return *this;
}

Params& Params::Add(std::int64_t value) { return Add(std::string_view(std::to_string(value))); }

Params& Params::AddBytes(std::string_view bytes) {
    Add(bytes);
    formats_.back() = 1;
    return *this;
}

Params& Params::AddNull() {
    Add(std::string_view());
    null_.back() = true;
    return *this;
}

Params& Params::AddArray(std::span<const std::int64_t> values) {
    std::string text = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i > 0) text += ',';
        text += std::to_string(values[i]);
    }
    text += '}';
    return Add(std::string_view(text));
}

void Params::Clear() {
    storage_.clear();
    null_.clear();
    lengths_.clear();
    formats_.clear();
    values_.clear();
}

const char* const* Params::Values() const {
    // Pointers are taken last: storage_ may have reallocated while parameters were added.
    for (std::size_t i = 0; i < storage_.size(); ++i) values_[i] = null_[i] ? nullptr : storage_[i].data();
    return values_.data();
}

// --- Result -------------------------------------------------------------------------------------

Result::~Result() { PQclear(result_); }

Result& Result::operator=(Result&& other) noexcept {
    if (this != &other) {
        PQclear(result_);
        result_ = std::exchange(other.result_, nullptr);
    }
    return *this;
}

int Result::Rows() const { return result_ != nullptr ? PQntuples(result_) : 0; }

bool Result::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view Result::Text(int row, int column) const {
    return {PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column))};
}

std::int64_t Result::Int(int row, int column) const {
    const std::string_view text = Text(row, column);
    std::int64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

double Result::Double(int row, int column) const {
    const std::string text(Text(row, column));
    return text.empty() ? 0.0 : std::stod(text);
}

std::string Result::Bytes(int row, int column) const {
    const std::string_view text = Text(row, column);
    std::string out;
    if (!text.starts_with("\\x")) return std::string(text);
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
        const int high = HexValue(text[i]);
        const int low = HexValue(text[i + 1]);
        out.push_back(static_cast<char>((high << 4) | low));
    }
    return out;
}

std::int64_t Result::Affected() const {
    const char* text = result_ != nullptr ? PQcmdTuples(result_) : nullptr;
    if (text == nullptr || *text == '\0') return 0;
    return std::stoll(text);
}

// --- Connection ---------------------------------------------------------------------------------

Connection::Connection(const std::string& url) {
    conn_ = PQconnectdb(url.c_str());
    if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
        std::string message = "postgres: connect to " + RedactUrl(url) + ": " +
                              (conn_ != nullptr ? Trim(PQerrorMessage(conn_)) : std::string("out of memory"));
        PQfinish(conn_);
        conn_ = nullptr;
        throw PgError(message, "", true);
    }
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::Healthy() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Result Connection::Check(pg_result* result, std::string_view what, std::string_view sql) {
    Result owned(result);
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) Fail(conn_, result, what, sql);
    return owned;
}

Result Connection::Exec(std::string_view sql) {
    const std::string text(sql);
    return Check(PQexec(conn_, text.c_str()), "exec", sql);
}

Result Connection::Run(const Statement& statement, const Params& params) {
    if (!prepared_.contains(statement.name)) {
        Check(PQprepare(conn_, statement.name.c_str(), statement.sql.c_str(), 0, nullptr), "prepare", statement.sql);
        prepared_.insert(statement.name);
    }
    return Check(PQexecPrepared(conn_, statement.name.c_str(), params.Count(), params.Values(), params.Lengths(),
                                params.Formats(), 0),
                 "execute", statement.sql);
}

Result Connection::RunOnce(std::string_view sql, const Params& params) {
    const std::string text(sql);
    return Check(PQexecParams(conn_, text.c_str(), params.Count(), nullptr, params.Values(), params.Lengths(),
                              params.Formats(), 0),
                 "execute", sql);
}

// --- Transaction --------------------------------------------------------------------------------

Transaction::Transaction(Connection& connection, std::string_view begin) : connection_(connection) {
    connection_.Exec(begin);
}

Transaction::~Transaction() {
    if (!open_ || !connection_.Healthy()) return;
    try {
        connection_.Exec("ROLLBACK");
    } catch (const PgError&) {
        // The connection broke while rolling back: the server rolls the transaction back itself.
    }
}

void Transaction::Commit() {
    open_ = false;
    connection_.Exec("COMMIT");
}

// --- Pool ---------------------------------------------------------------------------------------

Pool::Pool(PoolOptions options) : options_(std::move(options)) {
    options_.size = std::max<std::size_t>(1, options_.size);
}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
    if (connection_) pool_->Release(std::move(connection_));
}

Pool::Lease Pool::Acquire() {
    std::unique_lock lock(mutex_);
    const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
    for (;;) {
        if (!idle_.empty()) {
            std::unique_ptr<Connection> connection = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(connection));
        }
        if (open_ < options_.size) {
            ++open_;
            lock.unlock();
            try {
                auto connection = std::make_unique<Connection>(options_.url);
                if (!options_.on_connect.empty()) connection->Exec(options_.on_connect);
                return Lease(*this, std::move(connection));
            } catch (...) {
                lock.lock();
                --open_;
                available_.notify_one();
                throw;
            }
        }
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_ >= options_.size) {
            throw PgError("postgres: no free connection in the pool of " + std::to_string(options_.size) + " within " +
                              std::to_string(options_.acquire_timeout.count()) + " ms",
                          "53300", false);
        }
    }
}

void Pool::Release(std::unique_ptr<Connection> connection) {
    const bool healthy = connection->Healthy();
    if (!healthy) connection.reset();  // closed outside the lock below would be nicer; it is cheap
    std::lock_guard lock(mutex_);
    if (healthy) {
        idle_.push_back(std::move(connection));
    } else {
        --open_;
    }
    available_.notify_one();
}

std::size_t Pool::Open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

void WithRetry(Pool& pool, const std::function<void(Connection&)>& work, const RetryOptions& options) {
    const auto deadline = std::chrono::steady_clock::now() + options.deadline;
    std::chrono::milliseconds backoff = options.first_backoff;
    for (;;) {
        try {
            Pool::Lease lease = pool.Acquire();
            work(*lease);
            return;
        } catch (const PgError& error) {
            if (!error.Transient() || std::chrono::steady_clock::now() + backoff >= deadline) throw;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(options.max_backoff, backoff * 2);
    }
}

// --- Migrations ---------------------------------------------------------------------------------

int Migrate(Connection& connection, std::string_view component, std::span<const Migration> migrations) {
    // One lock per component: a second replica waits here until the first has migrated.
    const Params key = Params().Add("cosmic-migrations:" + std::string(component));
    connection.RunOnce("SELECT pg_advisory_lock(hashtext($1))", key);
    struct Unlock {
        Connection& connection;
        const Params& key;
        ~Unlock() {
            if (!connection.Healthy()) return;  // the server released it with the session
            try {
                connection.RunOnce("SELECT pg_advisory_unlock(hashtext($1))", key);
            } catch (const PgError&) {
                // Lost with the session: nothing is held any more.
            }
        }
    } unlock{connection, key};
    // Under the lock: two sessions creating the same table at once can fail on the catalog.
    // Checked first: a service role without CREATE on the schema starts fine once the owner migrated.
    if (connection.Exec("SELECT to_regclass('cosmic_schema_migrations') IS NULL").Bool(0, 0)) {
        connection.Exec(
            "CREATE TABLE IF NOT EXISTS cosmic_schema_migrations (component text NOT NULL, version integer NOT NULL, "
            "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, "
            "version))");
    }

    const Params name = Params().Add(component);
    const Result current =
        connection.RunOnce("SELECT coalesce(max(version), 0) FROM cosmic_schema_migrations WHERE component = $1", name);
    int version = static_cast<int>(current.Int(0, 0));
    const int known = migrations.empty() ? 0 : migrations.back().version;
    if (version > known) {
        throw PgError("postgres: the " + std::string(component) + " schema is at version " + std::to_string(version) +
                          ", newer than this release knows (" + std::to_string(known) + ")",
                      "", false);
    }
    for (const Migration& migration : migrations) {
        if (migration.version <= version) continue;
        Transaction tx(connection);
        connection.Exec(migration.sql);
        connection.RunOnce("INSERT INTO cosmic_schema_migrations(component, version, description) VALUES($1, $2, $3)",
                           Params().Add(component).Add(migration.version).Add(migration.description));
        tx.Commit();
        version = migration.version;
    }
    return version;
}

}  // namespace cosmic::store::pg
