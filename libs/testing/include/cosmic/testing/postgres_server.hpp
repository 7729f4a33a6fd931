#pragma once
/// A throwaway PostgreSQL server for tests: initdb into a temporary directory, pg_ctl start on a
/// free port, pg_ctl stop at teardown. The binaries come from Debian's postgresql package
/// (/usr/lib/postgresql/<version>/bin, or COSMIC_PG_BINDIR). When the test runs as root the
/// server runs as the unprivileged user "nobody" (PostgreSQL refuses to run as root).
///
/// A test that needs PostgreSQL must not silently pass without it: the constructor throws with a
/// message saying what to install, so the test fails.

#include <filesystem>
#include <string>
#include <string_view>

#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::testing {

struct PostgresOptions {
    /// fsync and synchronous_commit: off makes tests fast; a benchmark of durable writes turns it on.
    bool durable = false;
    /// max_connections of the server.
    int max_connections = 100;
};

class PostgresServer {
  public:
    /// initdb + start; throws std::runtime_error naming what failed (binaries missing, initdb or
    /// start failed, with the server log).
    explicit PostgresServer(PostgresOptions options = {});
    /// Stops the server (fast shutdown) and removes its directory.
    ~PostgresServer();
    PostgresServer(const PostgresServer&) = delete;
    PostgresServer& operator=(const PostgresServer&) = delete;

    /// postgresql://postgres@127.0.0.1:<port>/<database>
    std::string Url(std::string_view database = "postgres") const;
    /// Creates an empty database and returns its URL.
    std::string CreateDatabase(std::string_view name);
    /// Runs SQL as the superuser on `database` (roles, grants); throws on an error.
    void Execute(std::string_view sql, std::string_view database = "postgres");

    /// Stops the server (fast shutdown: sessions are cut) / starts it again on the same port and data.
    void Stop();
    void Start();
    bool Running() const { return running_; }
    int Port() const { return port_; }
    const std::filesystem::path& DataDir() const { return data_dir_; }
    /// The server log so far (for failure messages).
    std::string Log() const;

  private:
    void StartOnPort(int port);

    PostgresOptions options_;
    TempDir dir_;
    std::filesystem::path bin_dir_;
    std::filesystem::path data_dir_;
    std::filesystem::path log_;
    int port_ = 0;
    bool running_ = false;
};

/// Where initdb and pg_ctl are: COSMIC_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else
/// the PATH. Throws std::runtime_error saying what to install when there are none.
std::filesystem::path PostgresBinDir();

}  // namespace cosmic::testing
