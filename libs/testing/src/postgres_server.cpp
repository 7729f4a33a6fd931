#include "cosmic/testing/postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "cosmic/store/postgres.hpp"
#include "cosmic/testing/child_process.hpp"

namespace cosmic::testing {
namespace {

constexpr int kStartAttempts = 5;
constexpr const char* kUnprivilegedUser = "nobody";

bool Executable(const std::filesystem::path& path) { return ::access(path.c_str(), X_OK) == 0; }

int FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("postgres test server: socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("postgres test server: cannot find a free port");
    return ntohs(address.sin_port);
}

bool RunningAsRoot() { return ::geteuid() == 0; }

/// The command as given, or wrapped in `runuser -u nobody --` when the test runs as root.
ProcessOptions AsServerUser(const std::filesystem::path& binary, std::vector<std::string> args) {
    ProcessOptions options;
    options.env["LC_ALL"] = "C";
    if (RunningAsRoot()) {
        options.binary = "runuser";
        std::vector<std::string> wrapped{"-u", kUnprivilegedUser, "--", binary.string()};
        wrapped.insert(wrapped.end(), args.begin(), args.end());
        options.args = std::move(wrapped);
    } else {
        options.binary = binary;
        options.args = std::move(args);
    }
    return options;
}

void ChownTree(const std::filesystem::path& root) {
    const passwd* user = ::getpwnam(kUnprivilegedUser);
    if (user == nullptr) throw std::runtime_error("postgres test server: no user \"nobody\" to run the server as");
    auto chown = [&](const std::filesystem::path& path) {
        if (::lchown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
            throw std::runtime_error("postgres test server: cannot chown " + path.string());
        }
    };
    chown(root);
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) chown(entry.path());
}

std::string Describe(const CommandResult& result) {
    return "exit " + std::to_string(result.exit_status) + ": " + result.out + result.err;
}

}  // namespace

std::filesystem::path PostgresBinDir() {
    if (const char* dir = std::getenv("COSMIC_PG_BINDIR"); dir != nullptr && *dir != '\0') {
        if (Executable(std::filesystem::path(dir) / "pg_ctl")) return dir;
        throw std::runtime_error(std::string("COSMIC_PG_BINDIR=") + dir + " has no pg_ctl");
    }
    std::vector<std::filesystem::path> candidates;
    std::error_code ignored;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
        const std::filesystem::path bin = entry.path() / "bin";
        if (Executable(bin / "initdb") && Executable(bin / "pg_ctl")) candidates.push_back(bin);
    }
    if (!candidates.empty()) {
        std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
            return std::atoi(a.parent_path().filename().c_str()) < std::atoi(b.parent_path().filename().c_str());
        });
        return candidates.back();
    }
    if (const char* path = std::getenv("PATH"); path != nullptr) {
        std::string_view rest = path;
        while (!rest.empty()) {
            const std::size_t colon = rest.find(':');
            const std::filesystem::path dir(std::string(rest.substr(0, colon)));
            if (Executable(dir / "initdb") && Executable(dir / "pg_ctl")) return dir;
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
    }
    throw std::runtime_error(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: this test needs a local PostgreSQL. Install "
        "Debian's postgresql package (scripts/install-deps) or set COSMIC_PG_BINDIR to their directory");
}

PostgresServer::PostgresServer(PostgresOptions options)
    : options_(options), dir_("cosmic-pg"), bin_dir_(PostgresBinDir()) {
    data_dir_ = dir_.Path() / "data";
    log_ = dir_.Path() / "server.log";
    if (RunningAsRoot()) ChownTree(dir_.Path());
    const CommandResult init =
        RunCommand(AsServerUser(bin_dir_ / "initdb", {"-D", data_dir_.string(), "-U", "postgres", "-A", "trust", "-E",
                                                      "UTF8", "--locale=C", "--no-sync"}));
    if (init.exit_status != 0) throw std::runtime_error("postgres test server: initdb failed, " + Describe(init));
    for (int attempt = 1;; ++attempt) {
        try {
            StartOnPort(FreePort());
            return;
        } catch (const std::runtime_error&) {
            // Another process may have taken the port between the probe and the start.
            const bool collision =
                Log().find("could not bind") != std::string::npos || Log().find("already in use") != std::string::npos;
            if (!collision || attempt == kStartAttempts) throw;
        }
    }
}

PostgresServer::~PostgresServer() {
    try {
        Stop();
    } catch (const std::exception&) {
        // The directory goes with dir_; a server that would not stop is killed by pg_ctl's timeout.
    }
}

void PostgresServer::StartOnPort(int port) {
    port_ = port;
    std::string settings = "-p " + std::to_string(port) + " -c listen_addresses=127.0.0.1" +
                           " -c unix_socket_directories=" + dir_.Path().string() +
                           " -c max_connections=" + std::to_string(options_.max_connections);
    if (!options_.durable) settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    const CommandResult start =
        RunCommand(AsServerUser(bin_dir_ / "pg_ctl", {"-D", data_dir_.string(), "-l", log_.string(), "-w", "-t", "60",
                                                      "-o", settings, "start"}));
    if (start.exit_status != 0) {
        throw std::runtime_error("postgres test server: pg_ctl start failed, " + Describe(start) + "\n" + Log());
    }
    running_ = true;
}

void PostgresServer::Start() {
    if (!running_) StartOnPort(port_);
}

void PostgresServer::Stop() {
    if (!running_) return;
    const CommandResult stop =
        RunCommand(AsServerUser(bin_dir_ / "pg_ctl", {"-D", data_dir_.string(), "-m", "fast", "-w", "stop"}));
    if (stop.exit_status != 0) throw std::runtime_error("postgres test server: pg_ctl stop failed, " + Describe(stop));
    running_ = false;
}

std::string PostgresServer::Url(std::string_view database) const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + std::string(database);
}

std::string PostgresServer::CreateDatabase(std::string_view name) {
    Execute("CREATE DATABASE \"" + std::string(name) + "\"");
    return Url(name);
}

void PostgresServer::Execute(std::string_view sql, std::string_view database) {
    store::pg::Connection connection(Url(database));
    connection.Exec(sql);
}

std::string PostgresServer::Log() const { return ReadFile(log_); }

}  // namespace cosmic::testing
