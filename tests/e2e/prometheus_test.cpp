// A real Prometheus (Debian's binary) on the project's scrape config and alert rules, scraping
// the five services running on the shared cluster: every service's job is up, the throughput,
// lag and dead-letter series the dashboard and rules use are there, and a rule fires
// (CosmicDeadLettersGrowing, after malformed commands were dead-lettered) as /api/v1/alerts shows.
//
// The config is deploy/prometheus/prometheus.yml with its service targets rewritten to the test's
// ports, 1 s scrape and evaluation intervals, and rule_files pointing at deploy/prometheus/rules.yml;
// the Alertmanager target stays unreachable (the alert's state is read from Prometheus itself).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "cosmic/testing/child_process.hpp"
#include "support/e2e_env.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::seconds;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
const std::vector<std::pair<std::string, int>> kServices = {{"job-orchestrator", 8081},
                                                            {"metrics-consumer", 8082},
                                                            {"notification-consumer", 8083},
                                                            {"audit-consumer", 8084},
                                                            {"health-monitor", 8085}};

/// A port nothing listens on right now (the OS picks it; Prometheus cannot be told port 0).
int FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (fd >= 0) ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << "prometheus.yml has no '" << from << "'";
    text.replace(at, from.size(), to);
}

/// Produces `count` records that are not JSON to `topic`: each is dead-lettered at once.
void ProduceMalformed(const std::string& topic, int count) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    ASSERT_EQ(rd_kafka_conf_set(conf, "bootstrap.servers", Cluster().bootstrap.c_str(), error, sizeof(error)),
              RD_KAFKA_CONF_OK);
    std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> producer(
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error)), [](rd_kafka_t* rk) { rd_kafka_destroy(rk); });
    ASSERT_NE(producer, nullptr) << error;
    for (int i = 0; i < count; ++i) {
        const std::string value = "not json " + std::to_string(i);
        const std::string key = "prometheus-e2e-" + std::to_string(i);
        ASSERT_EQ(rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                                    RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
                                    RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

class PrometheusE2E : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::access(kPrometheus, X_OK) != 0) {
            FAIL() << kPrometheus << " not found: scripts/install-deps installs Debian's prometheus package";
        }
        for (const auto& [name, port] : kServices) {
            if (BinaryPath(name).empty()) GTEST_SKIP() << name << " is not built";
        }
        run_dir_ = FreshRunDir("prometheus");
        WriteTokensFile(run_dir_ / "tokens.json", {{"prometheus-e2e-admin", "admin", {"admin"}}});
        for (const auto& [name, port] : kServices) {
            ServiceOptions options =
                E2eServiceOptions(name, run_dir_, Cluster().bootstrap,
                                  {{"COSMIC_HEARTBEAT_INTERVAL_MS", "1000"}, {"COSMIC_LOG_LEVEL", "warn"}});
            options.tokens_file = run_dir_ / "tokens.json";
            services_.push_back(std::make_unique<ServiceProcess>(std::move(options)));
        }
        // Consumers first, so none misses the orchestrator's first events.
        for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->Start();
    }

    void TearDown() override {
        if (prometheus_) prometheus_->Stop(seconds(20));
        for (auto& service : services_) service->Stop();
    }

    /// The project's config with the test's targets, intervals and rules file; starts Prometheus.
    void StartPrometheus() {
        const auto source = SourceDir() / "deploy/prometheus";
        std::string config = ReadFile(source / "prometheus.yml");
        for (std::size_t i = 0; i < kServices.size(); ++i) {
            const auto& [name, port] = kServices[i];
            Replace(config, "\"" + name + ":" + std::to_string(port) + "\"",
                    "\"127.0.0.1:" + std::to_string(services_[i]->Port()) + "\"");
        }
        Replace(config, "scrape_interval: 15s", "scrape_interval: 1s");
        Replace(config, "evaluation_interval: 15s", "evaluation_interval: 1s");
        Replace(config, "- rules.yml", "- " + (source / "rules.yml").string());
        port_ = FreePort();
        Replace(config, "\"localhost:9090\"", "\"127.0.0.1:" + std::to_string(port_) + "\"");
        std::ofstream(run_dir_ / "prometheus.yml") << config;

        cosmic::testing::ProcessOptions options;
        options.binary = kPrometheus;
        options.args = {"--config.file=" + (run_dir_ / "prometheus.yml").string(),
                        "--storage.tsdb.path=" + (run_dir_ / "tsdb").string(),
                        "--web.listen-address=127.0.0.1:" + std::to_string(port_), "--log.level=warn"};
        options.stdout_path = run_dir_ / "prometheus.log";
        prometheus_ = std::make_unique<cosmic::testing::ChildProcess>(std::move(options));
        http_ = std::make_unique<HttpClient>(port_, seconds(10));
        ASSERT_TRUE(WaitUntil(
            [&] {
                if (!prometheus_->Running()) return true;  // reported below
                return http_->Get("/-/ready").status == 200;
            },
            seconds(60)));
        ASSERT_TRUE(prometheus_->Running()) << ReadFile(run_dir_ / "prometheus.log");
    }

    /// The instant query's result array as text ("[]" when empty).
    std::string Query(const std::string& expr) {
        const auto response = http_->Get("/api/v1/query?query=" + UrlEncode(expr));
        if (response.status != 200) return "";
        const auto at = response.body.find("\"result\":");
        return at == std::string::npos ? "" : response.body.substr(at + 9);
    }
    bool HasSeries(const std::string& expr) {
        const std::string result = Query(expr);
        return !result.empty() && result.rfind("[]", 0) != 0;
    }

    std::filesystem::path run_dir_;
    std::vector<std::unique_ptr<ServiceProcess>> services_;
    std::unique_ptr<cosmic::testing::ChildProcess> prometheus_;
    std::unique_ptr<HttpClient> http_;
    int port_ = 0;
};

TEST_F(PrometheusE2E, ScrapesEveryServiceAndFiresADeadLetterAlert) {
    StartPrometheus();
    if (HasFailure()) return;

    // Every service's job is up: the scrape config reaches all five.
    for (const auto& [name, port] : kServices) {
        EXPECT_TRUE(WaitUntil([&, name = name] { return HasSeries("up{job=\"" + name + "\"} == 1"); }, seconds(60)))
            << name << " not scraped; targets: " << http_->Get("/api/v1/targets").body.substr(0, 4000);
    }
    // The rules file loaded (every group of rules.yml).
    const auto rules = http_->Get("/api/v1/rules");
    EXPECT_NE(rules.body.find("\"name\":\"CosmicDeadLettersGrowing\""), std::string::npos)
        << rules.body.substr(0, 2000);

    // Throughput: heartbeats consumed by health-monitor; lag: the consumers' own gauges and
    // health-monitor's per-group evaluation.
    EXPECT_TRUE(WaitUntil(
        [&] { return HasSeries("sum by (job) (rate(cosmic_events_consumed_total{job=\"health-monitor\"}[10s])) > 0"); },
        seconds(60)))
        << Query("cosmic_events_consumed_total");
    EXPECT_TRUE(WaitUntil([&] { return HasSeries("cosmic_consumer_lag_messages"); }, seconds(60)));
    EXPECT_TRUE(WaitUntil(
        [&] { return HasSeries("cosmic_consumergroup_lag{consumergroup=\"job-orchestrator-group\"}"); }, seconds(90)))
        << Query("cosmic_consumergroup_lag");

    // Dead letters: malformed commands are dead-lettered by job-orchestrator. A counter that first
    // appears at its current value has no increase yet, so a second batch follows once it is seen.
    ProduceMalformed("job-commands", 3);
    const std::string dlq = "cosmic_dlq_messages_total{job=\"job-orchestrator\",topic=\"job-commands\"}";
    ASSERT_TRUE(WaitUntil([&] { return HasSeries(dlq + " >= 3"); }, seconds(60))) << Query("cosmic_dlq_messages_total");
    ProduceMalformed("job-commands", 3);
    ASSERT_TRUE(WaitUntil([&] { return HasSeries(dlq + " >= 6"); }, seconds(60))) << Query(dlq);

    // The rule (no `for`) fires on the next evaluations.
    std::string alerts;
    EXPECT_TRUE(WaitUntil(
        [&] {
            alerts = http_->Get("/api/v1/alerts").body;
            static const std::regex firing(
                R"(\{"labels":\{[^}]*"alertname":"CosmicDeadLettersGrowing"[^}]*"job":"job-orchestrator"[^}]*\}[^}]*\}[^{]*"state":"firing")");
            return std::regex_search(alerts, firing);
        },
        seconds(60)))
        << alerts;
}

}  // namespace
}  // namespace cosmic::e2e
