// Services on a real Kafka node that only speaks SASL_SSL (tests/e2e/cluster.sh ... sasl: a
// self-signed CA made with openssl, SCRAM-SHA-512 and PLAIN, user 'cosmic'), configured with
// nothing but KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_* and
// KAFKA_SSL_CA_LOCATION:
//   - with the right password audit-consumer becomes ready (its group is assigned: its /readyz
//     gates on that), job-orchestrator's job-commands consumer gets its assignment, a submitted
//     job's events reach job-lifecycle (read back over SASL_SSL) and its STATE_CHANGE audit
//     events reach audit-consumer's API; the topics come from `cosmicctl topics apply` with the
//     same settings;
//   - with a wrong password audit-consumer never becomes ready, /readyz says 503, and its log
//     names the authentication failure and the settings to check, without the password;
//   - SCRAM-SHA-512 works the same with librdkafka >= 2.6.1; with an older librdkafka (Debian 12
//     ships 2.0.2) Kafka 4.x rejects its SCRAM client (confluentinc/librdkafka#4895), which the
//     service says at startup and in its authentication error.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cosmic/kafka/auth_hint.hpp"
#include "support/broker_control.hpp"
#include "support/e2e_env.hpp"
#include "support/json.hpp"
#include "support/sasl_node.hpp"
#include "support/topic_reader.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kUserToken = "sasl-e2e-user-token";
constexpr std::string_view kAuditorToken = "sasl-e2e-auditor-token";
constexpr std::string_view kWrongPassword = "not-the-password-0123";

void RecordTiming(const std::string& what, long long ms) {
    std::cout << "[e2e timing] " << what << ": " << ms << " ms" << std::endl;
    ::testing::Test::RecordProperty(what + "_ms", std::to_string(ms));
}

/// The log line holding `needle`, or empty.
std::string LineWith(const std::string& log, std::string_view needle) {
    const auto at = log.find(needle);
    if (at == std::string::npos) {
        return {};
    }
    const auto begin = log.rfind('\n', at);
    const auto end = log.find('\n', at);
    return log.substr(
        begin == std::string::npos ? 0 : begin + 1,
        end == std::string::npos ? std::string::npos : end - (begin == std::string::npos ? 0 : begin + 1));
}

class SaslSslE2E : public ::testing::Test {
  protected:
    void SetUp() override {
        node_ = LoadSaslNode();
        if (!node_.real) {
            GTEST_SKIP() << "COSMIC_E2E_KAFKA=mock: the librdkafka mock cluster has no SASL or TLS, so there is "
                            "no SASL_SSL node to test against (run without COSMIC_E2E_KAFKA=mock)";
        }
    }

    /// `name` with only the SASL_SSL client settings for Kafka (plus, for the orchestrator, a
    /// fast, never-failing simulated executor, which has nothing to do with Kafka).
    std::unique_ptr<ServiceProcess> Service(const std::string& name, const std::filesystem::path& run_dir,
                                            std::string_view mechanism, std::string_view password) const {
        if (!std::filesystem::exists(run_dir / "tokens.json")) {
            WriteTokensFile(run_dir / "tokens.json", {{std::string(kUserToken), "sasl-e2e-user", {"user"}},
                                                      {std::string(kAuditorToken), "sasl-e2e-auditor", {"auditor"}}});
        }
        ServiceOptions options = E2eServiceOptions(name, run_dir, node_.bootstrap, node_.Env(mechanism, password));
        options.tokens_file = run_dir / "tokens.json";
        if (name == "job-orchestrator") {
            options.env.merge(std::map<std::string, std::string>{{"COSMIC_EXECUTOR_DURATION_DISTRIBUTION", "uniform"},
                                                                 {"COSMIC_EXECUTOR_DURATION_MIN_MS", "100"},
                                                                 {"COSMIC_EXECUTOR_DURATION_MAX_MS", "200"},
                                                                 {"COSMIC_EXECUTOR_FAILURE_RATE", "0"},
                                                                 {"COSMIC_EXECUTOR_POLL_INTERVAL_MS", "100"}});
        }
        return std::make_unique<ServiceProcess>(std::move(options));
    }

    /// The log must not hold `secret` nor an authentication error nor an ignored setting.
    static void ExpectCleanLog(ServiceProcess& service, const std::string& secret) {
        const std::string log = service.LogTail(1 << 20);
        EXPECT_EQ(log.find("kafka authentication failed"), std::string::npos) << service.Name() << ":\n" << log;
        EXPECT_EQ(log.find("unknown environment variable"), std::string::npos) << service.Name() << ":\n" << log;
        EXPECT_EQ(log.find(secret), std::string::npos) << "the password is in " << service.Name() << "'s log";
    }

    /// `cosmicctl topics apply` over SASL_SSL with the service's settings (idempotent: the
    /// first test of a run creates the table, later ones find it in place).
    void ApplyTopics(const std::filesystem::path& run_dir, std::string_view mechanism) const {
        const auto cosmicctl = BinaryPath("cosmicctl");
        ASSERT_FALSE(cosmicctl.empty()) << "cosmicctl is not built";
        auto env = node_.Env(mechanism, node_.password);
        env["KAFKA_BOOTSTRAP_SERVERS"] = node_.bootstrap;
        const auto log = run_dir / "topics-apply.log";
        const auto start = Clock::now();
        const int status = RunCommand(
            {cosmicctl.string(), "--timeout", "60", "topics", "apply", "--replication", "1", "--min-insync", "1"}, log,
            env);
        RecordTiming("cosmicctl_topics_apply", ElapsedMs(start));
        std::ifstream in(log);
        std::stringstream text;
        text << in.rdbuf();
        ASSERT_EQ(status, 0) << "cosmicctl topics apply over SASL_SSL failed:\n" << text.str();
    }

    /// The positive flow: audit-consumer ready (group assigned), the orchestrator's consumer
    /// assigned, one job submitted, its events on job-lifecycle and in audit-consumer's store,
    /// clean stops.
    void RoundTrip(std::string_view run_name, std::string_view mechanism) {
        const auto run_dir = FreshRunDir(run_name);
        ApplyTopics(run_dir, mechanism);
        if (HasFatalFailure()) return;
        auto audit = Service("audit-consumer", run_dir, mechanism, node_.password);
        auto orchestrator = Service("job-orchestrator", run_dir, mechanism, node_.password);
        for (ServiceProcess* service : {audit.get(), orchestrator.get()}) {
            const auto start = Clock::now();
            service->Start(seconds(90));
            RecordTiming(std::string(run_name) + "_" + service->Name() + "_ready", ElapsedMs(start));
        }
        // The orchestrator's /readyz does not gate on its consumer (the API works without
        // Kafka) but reports whether the job-commands group is assigned.
        HttpClient http(orchestrator->BaseUrl());
        HttpResponse readyz;
        const auto assigned_start = Clock::now();
        ASSERT_TRUE(WaitUntil(
            [&] {
                readyz = http.Get("/readyz");
                return readyz.status == 200 &&
                       readyz.body.find("waiting for a group assignment") == std::string::npos &&
                       readyz.body.find("assigned") != std::string::npos;
            },
            seconds(60)))
            << "job-orchestrator's consumer not assigned: " << readyz.Describe();
        RecordTiming(std::string(run_name) + "_orchestrator_assigned", ElapsedMs(assigned_start));

        const HttpResponse submitted =
            http.Post("/api/v1/jobs", R"({"name":"sasl-e2e","kind":"imaging","parameters":{"index":1},"priority":1})",
                      kUserToken);
        ASSERT_EQ(submitted.status, 202) << submitted.Describe();
        const auto job_id = StringField(JsonDoc(submitted.body).Root(), "job_id").value_or("");
        ASSERT_FALSE(job_id.empty()) << submitted.body;

        // Read back over SASL_SSL (with the right credentials) until the job's terminal event.
        auto start = Clock::now();
        TopicReader reader(node_.bootstrap, "job-lifecycle", node_.Properties(mechanism));
        std::vector<std::string> types;
        std::size_t seen = 0;
        const bool completed = reader.PollUntil(
            [&](const std::vector<TopicRecord>& records) {
                for (; seen < records.size(); ++seen) {
                    if (records[seen].key.value_or("") != job_id) continue;
                    const JsonDoc doc(records[seen].value);
                    EXPECT_EQ(StringField(doc.Root(), "job_id").value_or(""), job_id);
                    types.push_back(StringField(doc.Root(), "event_type").value_or(""));
                }
                return !types.empty() && types.back() == "job.completed";
            },
            seconds(60));
        RecordTiming(std::string(run_name) + "_lifecycle_events", ElapsedMs(start));
        std::string listed;
        for (const auto& type : types) listed += type + " ";
        ASSERT_TRUE(completed) << "job " << job_id << " events on job-lifecycle: " << listed << "\n"
                               << orchestrator->LogTail();
        EXPECT_EQ(types.front(), "job.submitted") << listed;

        // The job's audit events went orchestrator -> audit-trail -> audit-consumer, both over SASL_SSL.
        start = Clock::now();
        HttpClient audit_http(audit->BaseUrl());
        HttpResponse rows;
        std::size_t state_changes = 0;
        const bool stored = WaitUntil(
            [&] {
                rows = audit_http.Get("/api/v1/audit?resource_id=" + UrlEncode(job_id) + "&limit=100", kAuditorToken);
                if (rows.status != 200) return false;
                const JsonDoc doc(rows.body);
                simdjson::dom::array events;
                if (doc.Root()["events"].get_array().get(events) != simdjson::SUCCESS) return false;
                state_changes = 0;
                for (simdjson::dom::element row : events) {
                    if (StringField(row, "action").value_or("") == "STATE_CHANGE") ++state_changes;
                }
                // submitted, queued, running, completed
                return state_changes >= 4;
            },
            seconds(60), milliseconds(250));
        RecordTiming(std::string(run_name) + "_audit_stored", ElapsedMs(start));
        EXPECT_TRUE(stored) << "audit-consumer stored " << state_changes << " STATE_CHANGE events of " << job_id
                            << "; last: " << rows.Describe();

        ExpectCleanLog(*orchestrator, node_.password);
        ExpectCleanLog(*audit, node_.password);
        EXPECT_EQ(orchestrator->Stop(), 0) << orchestrator->LogTail();
        EXPECT_EQ(audit->Stop(), 0) << audit->LogTail();
    }

    /// Launches a service that cannot authenticate and waits until its log has every
    /// one of `needles` on one line, checking on every turn that it is not ready. Returns that
    /// line (empty on timeout, which fails the test).
    std::string ExpectAuthFailure(ServiceProcess& service, const std::vector<std::string>& needles) {
        const auto start = Clock::now();
        service.Launch(seconds(60));
        HttpClient http(service.BaseUrl(), seconds(5));
        HttpResponse readyz;
        bool ever_ready = false;
        std::string line;
        const bool logged = WaitUntil(
            [&] {
                readyz = http.Get("/readyz");
                ever_ready = ever_ready || readyz.status == 200;
                line = LineWith(service.LogTail(1 << 20), needles.front());
                for (const auto& needle : needles) {
                    if (line.find(needle) == std::string::npos) return false;
                }
                return true;
            },
            seconds(60), milliseconds(200));
        RecordTiming("auth_failure_logged", ElapsedMs(start));
        EXPECT_TRUE(logged) << "no log line with all of the expected text; log:\n" << service.LogTail();
        EXPECT_FALSE(ever_ready) << "the service became ready without valid credentials";
        EXPECT_EQ(readyz.status, 503) << readyz.Describe();
        // /readyz says why: the consumer's last Kafka error comes with "waiting for a group assignment".
        EXPECT_TRUE(WaitUntil(
            [&] {
                readyz = http.Get("/readyz");
                return readyz.status == 503 &&
                       readyz.body.find("last Kafka error: _AUTHENTICATION") != std::string::npos;
            },
            seconds(30), milliseconds(200)))
            << readyz.Describe();
        std::cout << "[e2e] /readyz while authentication fails: " << readyz.Describe() << "\n"
                  << "[e2e] log: " << line << std::endl;
        return logged ? line : std::string();
    }

    SaslNode node_;
};

TEST_F(SaslSslE2E, PlainServiceConnectsProducesAndConsumes) { RoundTrip("sasl-plain", "PLAIN"); }

TEST_F(SaslSslE2E, WrongPasswordIsNotReadyAndSaysAuthenticationFailed) {
    const auto run_dir = FreshRunDir("sasl-wrong-password");
    auto audit = Service("audit-consumer", run_dir, "PLAIN", kWrongPassword);
    const std::string line =
        ExpectAuthFailure(*audit, {"kafka authentication failed (PLAIN as '" + node_.username + "' over SASL_SSL)",
                                   "Invalid username or password",
                                   "check KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD / KAFKA_SASL_MECHANISM"});
    EXPECT_NE(line.find("\"level\":\"error\""), std::string::npos) << line;
    const std::string log = audit->LogTail(1 << 20);
    EXPECT_EQ(log.find(kWrongPassword), std::string::npos) << "the password is in the log";
    // A service without credentials still shuts down cleanly on SIGTERM.
    EXPECT_EQ(audit->Stop(), 0) << audit->LogTail();
}

TEST_F(SaslSslE2E, ScramSha512ServiceConnectsProducesAndConsumes) {
    if (rd_kafka_version() < kafka::kScramNonceFixVersion) {
        GTEST_SKIP() << "librdkafka " << rd_kafka_version_str()
                     << " < 2.6.1: Kafka 4.x rejects its SCRAM client nonce (confluentinc/librdkafka#4895); "
                        "ScramFromAnOldLibrdkafkaIsRejectedWithTheReason covers this librdkafka";
    }
    RoundTrip("sasl-scram", "SCRAM-SHA-512");
}

TEST_F(SaslSslE2E, ScramFromAnOldLibrdkafkaIsRejectedWithTheReason) {
    if (rd_kafka_version() >= kafka::kScramNonceFixVersion) {
        GTEST_SKIP() << "librdkafka " << rd_kafka_version_str()
                     << " has the SCRAM nonce fix: ScramSha512ServiceConnectsProducesAndConsumes covers it";
    }
    // The right password: the only reason to fail is the client's SCRAM implementation.
    const auto run_dir = FreshRunDir("sasl-scram-old-librdkafka");
    auto audit = Service("audit-consumer", run_dir, "SCRAM-SHA-512", node_.password);
    const std::string line = ExpectAuthFailure(
        *audit, {"kafka authentication failed (SCRAM-SHA-512 as '" + node_.username + "' over SASL_SSL)",
                 "confluentinc/librdkafka#4895"});
    EXPECT_NE(line.find("\"level\":\"error\""), std::string::npos) << line;
    const std::string log = audit->LogTail(1 << 20);
    EXPECT_NE(log.find("SCRAM-SHA-512 over SASL_SSL will most likely fail"), std::string::npos)
        << "no startup warning:\n"
        << log.substr(0, 4000);
    EXPECT_EQ(log.find(node_.password), std::string::npos) << "the password is in the log";
    EXPECT_EQ(audit->Stop(), 0) << audit->LogTail();
}

}  // namespace
}  // namespace cosmic::e2e
