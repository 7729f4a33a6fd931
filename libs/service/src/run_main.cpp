#include <spdlog/spdlog.h>

#include <iostream>
#include <optional>
#include <string>

#include "cosmic/service/kit.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/service/version.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::service::detail {
namespace {

struct CommandLine {
    bool help = false;
    bool version = false;
    std::string config_file;
};

/// nullopt after printing a usage error.
std::optional<CommandLine> ParseCommandLine(std::string_view service, int argc, char** argv) {
    CommandLine line;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            line.help = true;
        } else if (arg == "--version") {
            line.version = true;
        } else if (arg == "--config") {
            if (i + 1 >= argc) {
                std::cerr << service << ": --config needs a file argument (see --help)\n";
                return std::nullopt;
            }
            line.config_file = argv[++i];
        } else if (arg.starts_with("--config=")) {
            line.config_file = std::string(arg.substr(std::string_view("--config=").size()));
        } else {
            std::cerr << service << ": unknown argument '" << arg << "' (see --help)\n";
            return std::nullopt;
        }
    }
    return line;
}

int BuildAndRun(std::string_view service, Config config, const ServiceFactory& make_service) {
    // The service object holds what its components and routes point at, so it is declared after
    // the runtime and destroyed before it.
    Runtime runtime(std::string(service), std::move(config));
    Kit kit(runtime);
    std::shared_ptr<void> instance = make_service(kit);
    return runtime.Run();
}

}  // namespace

int RunMain(std::string_view service, int argc, char** argv, void (*declare_config)(ConfigSchema&),
            const ServiceFactory& make_service) {
    try {
        // Before any thread exists, so every thread inherits the mask and only the runtime's
        // signalfd sees SIGTERM/SIGINT.
        BlockStopSignals();
    } catch (const std::exception& error) {
        std::cerr << service << ": " << error.what() << '\n';
        return kExitFailure;
    }
    const auto line = ParseCommandLine(service, argc, argv);
    if (!line) {
        return kExitConfigError;
    }
    ConfigSchema schema;
    DeclareCommonKeys(schema);
    DeclareKitKeys(schema);
    declare_config(schema);
    if (line->help) {
        std::cout << HelpText(service, schema);
        return kExitOk;
    }
    if (line->version) {
        std::cout << service << ' ' << BuildVersion() << " (commit " << BuildCommit() << ")\n";
        return kExitOk;
    }

    std::optional<Config> config;
    try {
        config.emplace(Config::Load(schema, line->config_file, ProcessEnvironment()));
        telemetry::InitLogging(service, config->GetString("log.level"));
    } catch (const std::exception& error) {
        std::cerr << service << ": " << error.what() << '\n';
        return kExitConfigError;
    }
    for (const auto& warning : config->Warnings()) {
        spdlog::warn("{}", warning);
    }
    spdlog::info("{} {} (commit {}) instance {} starting; kafka {}", service, BuildVersion(), BuildCommit(),
                 config->GetString("service.instance_id"), config->Kafka().enabled ? "enabled" : "disabled");
    spdlog::info("config: {}", config->Describe());

    try {
        return BuildAndRun(service, std::move(*config), make_service);
    } catch (const ConfigError& error) {
        spdlog::error("{}", error.what());
        std::cerr << service << ": " << error.what() << '\n';
        return kExitConfigError;
    } catch (const std::exception& error) {
        spdlog::critical("startup failed: {}", error.what());
        std::cerr << service << ": startup failed: " << error.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace cosmic::service::detail
