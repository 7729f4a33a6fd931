#include "loadgen.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::loadgen {
namespace {

std::optional<std::string> Parse(std::vector<const char*> args, Options& options, bool& help) {
    args.insert(args.begin(), "loadgen");
    return ParseArgs(static_cast<int>(args.size()), args.data(), options, help);
}

TEST(LoadgenArgsTest, ParsesTheDocumentedOptions) {
    Options options;
    bool help = false;
    ASSERT_FALSE(Parse({"--url", "http://h:1/", "--token", "T", "--jobs", "500", "--rate", "250.5", "--concurrency",
                        "8", "--kind", "bench", "--priority", "2", "--timeout-ms", "900", "--idempotency-keys"},
                       options, help));
    EXPECT_FALSE(help);
    EXPECT_EQ(options.url, "http://h:1");
    EXPECT_EQ(options.token, "T");
    EXPECT_EQ(options.jobs, 500u);
    EXPECT_DOUBLE_EQ(options.rate, 250.5);
    EXPECT_EQ(options.concurrency, 8);
    EXPECT_EQ(options.kind, "bench");
    EXPECT_EQ(options.priority, 2);
    EXPECT_EQ(options.timeout.count(), 900);
    EXPECT_TRUE(options.idempotency_keys);
}

TEST(LoadgenArgsTest, RejectsBadCommandLines) {
    for (const auto& args : std::vector<std::vector<const char*>>{{"--jobs", "5"},  // no token
                                                                  {"--token", "T", "--jobs", "-5"},
                                                                  {"--token", "T", "--rate", "fast"},
                                                                  {"--token", "T", "--concurrency", "0"},
                                                                  {"--token", "T", "--priority", "10"},
                                                                  {"--token", "T", "--url", "ftp://x"},
                                                                  {"--token", "T", "--bogus", "1"},
                                                                  {"--token"}}) {
        Options options;
        bool help = false;
        EXPECT_TRUE(Parse(args, options, help)) << args.size();
    }
    Options options;
    bool help = false;
    EXPECT_FALSE(Parse({"--help"}, options, help));
    EXPECT_TRUE(help);
}

TEST(LoadgenTest, PercentileIsNearestRank) {
    std::vector<double> values;
    EXPECT_EQ(Percentile(values, 0.5), 0);
    for (int i = 100; i >= 1; --i) values.push_back(i);
    EXPECT_EQ(Percentile(values, 0.50), 50);
    EXPECT_EQ(Percentile(values, 0.95), 95);
    EXPECT_EQ(Percentile(values, 0.99), 99);
    EXPECT_EQ(Percentile(values, 1.0), 100);
}

TEST(LoadgenTest, CountsAcceptedAndRejectedSubmitsAgainstARealServer) {
    std::atomic<int> calls{0};
    std::mutex mutex;
    std::set<std::string> keys;
    telemetry::HttpServerOptions server_options;
    server_options.bind_address = "127.0.0.1";
    telemetry::HttpServer server(server_options, std::make_shared<prometheus::Registry>());
    server.Route("POST", "/api/v1/jobs", [&](const telemetry::HttpRequest& request) {
        if (request.Header("Authorization") != "Bearer secret") {
            return telemetry::HttpResponse::Error(401, "unauthorized", "token");
        }
        if (auto key = request.Header("Idempotency-Key")) {
            std::lock_guard lock(mutex);
            keys.insert(std::string(*key));
        }
        // Every fifth request is refused, the others accepted.
        return ++calls % 5 == 0 ? telemetry::HttpResponse::Error(400, "invalid_request", "name: missing")
                                : telemetry::HttpResponse::Json(202, R"({"job_id":"x"})");
    });
    server.Start();

    Options options;
    options.url = "http://127.0.0.1:" + std::to_string(server.Port());
    options.token = "secret";
    options.jobs = 50;
    options.concurrency = 3;
    options.idempotency_keys = true;
    const Report report = loadgen::Run(options);
    server.Stop();
    EXPECT_EQ(report.sent, 50u);
    EXPECT_EQ(report.accepted, 40u);
    EXPECT_EQ(report.errors, 10u);
    EXPECT_EQ(report.errors_by_status.at(400), 10u);
    EXPECT_NE(report.first_error.find("400"), std::string::npos);
    EXPECT_GT(report.p99_ms, 0);
    EXPECT_GE(report.p99_ms, report.p50_ms);
    EXPECT_EQ(keys.size(), 50u);  // one key per job
    const std::string text = Format(report, options);
    EXPECT_NE(text.find("accepted    40 / 50"), std::string::npos) << text;

    options.jobs = 3;
    const Report refused = loadgen::Run(options);  // server stopped: transport errors, reported as status 0
    EXPECT_EQ(refused.accepted, 0u);
    EXPECT_EQ(refused.errors_by_status.at(0), 3u);
}

}  // namespace
}  // namespace cosmic::loadgen
