// A stand-in for a service binary, for the ServiceProcess fixture's own tests: it follows the
// services' operational interface (COSMIC_HTTP_PORT/BIND, COSMIC_PORT_FILE, /readyz, SIGTERM)
// and shows what it was given over HTTP.
//
// FAKE_EXIT_AT_START=N   exit N at once
// FAKE_NOT_READY_FOR=N   answer the first N /readyz with 503
// FAKE_IGNORE_SIGTERM=1  keep running on SIGTERM (only SIGKILL ends it)

#include <prometheus/registry.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "cosmic/telemetry/http_server.hpp"

namespace {

std::string Env(const char* name, const std::string& fallback = "") {
    const char* value = std::getenv(name);
    return value != nullptr ? value : fallback;
}

}  // namespace

int main() {
    if (const std::string code = Env("FAKE_EXIT_AT_START"); !code.empty()) {
        std::cerr << "fake-service exiting with " << code << std::endl;
        return std::stoi(code);
    }
    // Signals are taken with sigwait below; every thread started from here inherits the mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    cosmic::telemetry::HttpServerOptions options;
    options.bind_address = Env("COSMIC_HTTP_BIND", "127.0.0.1");
    options.port = std::stoi(Env("COSMIC_HTTP_PORT", "0"));
    options.threads = 2;
    cosmic::telemetry::HttpServer server(options, std::make_shared<prometheus::Registry>());
    server.Route("GET", "/env/{name}", [](const cosmic::telemetry::HttpRequest& request) {
        const char* value = std::getenv(std::string(request.Param("name")).c_str());
        return value != nullptr ? cosmic::telemetry::HttpResponse::Text(200, value)
                                : cosmic::telemetry::HttpResponse::Error(404, "unset", "not set");
    });
    server.Route("GET", "/tokens", [](const cosmic::telemetry::HttpRequest&) {
        std::ifstream in(Env("COSMIC_TOKENS_FILE"));
        return cosmic::telemetry::HttpResponse::Text(200, std::string(std::istreambuf_iterator<char>(in), {}));
    });
    auto not_ready_for = std::make_shared<std::atomic<int>>(std::stoi(Env("FAKE_NOT_READY_FOR", "0")));
    server.AddReadinessCheck("fake", [not_ready_for](std::string& detail) {
        detail = "warming up";
        return not_ready_for->fetch_sub(1) <= 0;
    });
    server.Start();
    std::cout << "fake-service listening on " << server.Port() << std::endl;
    std::cerr << "fake-service stderr works" << std::endl;
    if (const std::string port_file = Env("COSMIC_PORT_FILE"); !port_file.empty()) {
        std::ofstream(port_file) << server.Port() << "\n";
    }
    const bool ignore_term = Env("FAKE_IGNORE_SIGTERM") == "1";
    while (true) {
        int received = 0;
        sigwait(&signals, &received);
        std::cout << "fake-service received signal " << received << std::endl;
        if (!ignore_term) {
            return 0;
        }
    }
}
