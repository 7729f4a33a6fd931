#include <unistd.h>

#include <array>
#include <string>

#include "cosmic/service/config.hpp"

namespace cosmic::service {
namespace {

std::string HostnameDashPid() {
    std::array<char, 256> host{};
    if (gethostname(host.data(), host.size() - 1) != 0 || host[0] == '\0') {
        return "unknown-" + std::to_string(getpid());
    }
    return std::string(host.data()) + "-" + std::to_string(getpid());
}

}  // namespace

void DeclareCommonKeys(ConfigSchema& schema, std::int64_t http_port) {
    using std::chrono::milliseconds;
    ConfigKey instance_id =
        MakeKey("service.instance_id", ConfigType::kString, HostnameDashPid(),
                "Identity of this replica in logs, heartbeats and client ids.", "COSMIC_INSTANCE_ID");
    instance_id.default_text = "<hostname>-<pid>";
    schema.Add(std::move(instance_id));
    schema.Int("http.port", http_port, 0, 65535, "HTTP listen port; 0 picks a free port (logged, see http.port_file).");
    schema.String("http.bind", "0.0.0.0", "HTTP listen address.");
    schema.String("http.port_file", "", "If set, the bound HTTP port is written to this file once serving.",
                  "COSMIC_PORT_FILE");
    schema.Int("http.threads", 4, 1, 256, "HTTP worker threads.");
    schema.Duration("http.header_timeout_ms", milliseconds(10'000), milliseconds(100), milliseconds(600'000),
                    "Time a client has to send a request's line and headers; later, the connection is closed.");
    schema.Duration("http.body_timeout_ms", milliseconds(10'000), milliseconds(100), milliseconds(600'000),
                    "Time a client has to send a request's body after its headers; later, 408 and close.");
    schema.Int("http.max_connections_per_client", 16, 1, 4096,
               "Open HTTP connections per client address; beyond it the client's oldest stalled one is closed.");
    schema.String("data_dir", "./data", "Directory for the service's SQLite files.");
    schema.String("auth.tokens_file", "",
                  "Bearer tokens JSON file ({\"tokens\":[{\"sha256\",\"user_id\",\"roles\"}]}); required by "
                  "services with authenticated APIs.",
                  "COSMIC_TOKENS_FILE");
    schema.Enum("log.level", "info", {"trace", "debug", "info", "warn", "error", "critical", "off"},
                "Minimum log level.");
    schema.Duration("shutdown.deadline_ms", milliseconds(10'000), milliseconds(0), milliseconds(600'000),
                    "Total time allowed for a graceful stop after SIGTERM/SIGINT.");
    schema.Bool("kafka.enabled", true, "false runs without Kafka: API only, produces are counted no-ops.",
                "KAFKA_ENABLED");
    schema.String("kafka.bootstrap_servers", "localhost:9092", "Kafka bootstrap list (host:port,...).",
                  "KAFKA_BOOTSTRAP_SERVERS");
}

}  // namespace cosmic::service
