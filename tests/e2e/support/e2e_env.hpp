#pragma once
/// Where the e2e tests find the shared cluster and the binaries under test.
///
/// The cluster fixture (tests/e2e/cluster.sh) writes `$COSMIC_E2E_DIR/bootstrap` and
/// `$COSMIC_E2E_DIR/mode`; binary paths are compiled in from the CMake targets.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/service_process.hpp"
#include "cosmic/testing/tokens.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::e2e {

// The shared test support (libs/testing) the e2e tests drive the services with.
using cosmic::testing::Clock;
using cosmic::testing::ElapsedMs;
using cosmic::testing::HttpClient;
using cosmic::testing::HttpResponse;
using cosmic::testing::ServiceOptions;
using cosmic::testing::ServiceProcess;
using cosmic::testing::UrlEncode;
using cosmic::testing::WaitUntil;
using cosmic::testing::WriteTokensFile;

/// The cluster the tests share.
struct ClusterInfo {
    std::filesystem::path dir;  ///< COSMIC_E2E_DIR
    std::string bootstrap;      ///< bootstrap.servers
    bool real = true;           ///< false on the dev-broker (COSMIC_E2E_KAFKA=mock)
    /// The real cluster's scripts/kafka directory (dir/kafka); empty on the mock.
    std::filesystem::path kafka_dir;
    /// The dev-broker's fault-injection API ("http://127.0.0.1:P"); empty on the real cluster.
    std::string control_url;
};

/// Reads the fixture's files once. Throws std::runtime_error naming what is missing (the test
/// was run outside ctest, or the setup test failed).
const ClusterInfo& Cluster();

/// Path of a built binary ("job-orchestrator", "metrics-consumer", "audit-consumer", ...);
/// empty when that target is not part of the build.
std::filesystem::path BinaryPath(std::string_view name);

/// The options of the built service `name` on `bootstrap` with its log, port file and data in
/// `run_dir`: instance id "<name>-e2e", the settings in `env` (which win; a KAFKA_BROKERS there
/// replaces KAFKA_BOOTSTRAP_SERVERS), and registered in
/// COSMIC_E2E_DIR/pids while it runs so cluster.sh can kill what a crashed test binary left.
ServiceOptions E2eServiceOptions(const std::string& name, const std::filesystem::path& run_dir,
                                 const std::string& bootstrap, const std::map<std::string, std::string>& env = {});

/// The repository root (scripts/ live there).
std::filesystem::path SourceDir();

/// A fresh directory for one test's processes, logs and data: `COSMIC_E2E_DIR/runs/<name>`.
/// Emptied when it exists, so a re-run does not read an earlier run's stores; kept afterwards
/// for the logs.
std::filesystem::path FreshRunDir(std::string_view name);

}  // namespace cosmic::e2e
