#include "dev_broker.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "control_api.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "prometheus/registry.h"

namespace cosmic::dev_broker {
namespace {

sigset_t StopSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

void WriteFileAtomically(const std::string& path, const std::string& content) {
    const std::string temporary = path + ".tmp." + std::to_string(::getpid());
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << content;
        out.flush();
        if (!out) {
            std::remove(temporary.c_str());
            throw std::runtime_error("cannot write " + temporary);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw std::runtime_error("cannot rename " + temporary + " to " + path);
    }
}

int Main(const std::vector<std::string>& args) {
    const ParseResult parsed = ParseOptions(args);
    if (parsed.help) {
        std::cout << Usage();
        return 0;
    }
    if (!parsed.options) {
        std::cerr << "dev-broker: " << parsed.error << "\n\n" << Usage();
        return 2;
    }
    const Options& options = *parsed.options;

    // Block the stop signals before any thread exists, so every thread inherits the mask and
    // only sigwait below receives them.
    const sigset_t stop = StopSignals();
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    try {
        telemetry::InitLogging("dev-broker", options.log_level);
    } catch (const std::invalid_argument& error) {
        std::cerr << "dev-broker: " << error.what() << "\n";
        return 2;
    }

    const auto level = spdlog::get_level();
    try {
        kafka::MockCluster cluster(options.brokers);
        cluster.CreateTableTopics();

        auto registry = std::make_shared<prometheus::Registry>();
        telemetry::HttpServerOptions http;
        http.bind_address = options.control_bind;
        http.port = options.control_port;
        http.threads = 2;
        http.require_json_bodies = false;  // a local tool driven by `curl -d`, which sends a form type
        telemetry::HttpServer server(http, registry);
        ControlApi api(cluster);
        api.Register(server);
        // Nothing may reach stdout before the bootstrap line; the server's own start message
        // is held back and the line below says the same.
        spdlog::set_level(spdlog::level::off);
        server.Start();

        if (!options.bootstrap_file.empty()) {
            WriteFileAtomically(options.bootstrap_file, cluster.Bootstraps() + "\n");
        }
        if (const char* port_file = std::getenv("COSMIC_PORT_FILE"); port_file != nullptr && *port_file != '\0') {
            WriteFileAtomically(port_file, std::to_string(server.Port()) + "\n");
        }
        // The contract: the bootstrap list is the first line on stdout.
        std::cout << cluster.Bootstraps() << std::endl;
        spdlog::set_level(level);
        spdlog::info("mock cluster with {} brokers at {}; control API on http://{}:{}", cluster.BrokerCount(),
                     cluster.Bootstraps(), options.control_bind, server.Port());

        int signal_number = 0;
        sigwait(&stop, &signal_number);
        spdlog::info("stopping on signal {}", signal_number);

        server.Stop();
        if (!options.bootstrap_file.empty()) {
            std::remove(options.bootstrap_file.c_str());
        }
        return 0;
    } catch (const std::exception& error) {
        spdlog::set_level(level);
        spdlog::error("dev-broker failed: {}", error.what());
        std::cerr << "dev-broker: " << error.what() << "\n";
        if (!options.bootstrap_file.empty()) {
            std::remove(options.bootstrap_file.c_str());
        }
        return 1;
    }
}

}  // namespace cosmic::dev_broker
