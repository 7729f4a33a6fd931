// The service kit without a broker (kafka.enabled=false): the start/stop order whatever order a
// service declares its parts in, static membership only for a stable instance id, client ids,
// the heartbeat's common fields, and configuration errors.

#include "cosmic/service/kit.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/schema/writer.hpp"
#include "cosmic/testing/http_client.hpp"

namespace cosmic::service {
namespace {

using std::chrono::steady_clock;

class Journal {
  public:
    void Record(std::string entry) {
        std::lock_guard lock(mutex_);
        entries_.push_back(std::move(entry));
    }
    std::vector<std::string> Entries() const {
        std::lock_guard lock(mutex_);
        return entries_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> entries_;
};

/// A store that is also a component: the kit starts it first and stops it last.
class RecordingStore final : public Component {
  public:
    explicit RecordingStore(Journal& journal) : journal_(journal) {}
    std::string_view Name() const override { return "recording-store"; }
    void Start() override { journal_.Record("start store"); }
    void Stop(steady_clock::time_point) override { journal_.Record("stop store"); }

  private:
    Journal& journal_;
};

Config Load(Environment env) {
    env.emplace("KAFKA_ENABLED", "false");
    env.emplace("COSMIC_HTTP_PORT", "0");
    env.emplace("COSMIC_HTTP_BIND", "127.0.0.1");
    env.emplace("COSMIC_LOG_LEVEL", "off");
    ConfigSchema schema;
    DeclareCommonKeys(schema);
    DeclareKitKeys(schema);
    schema.SetDefault("consumer.group_id", std::string("kit-test-group"));
    return Config::Load(schema, "", env);
}

TEST(KitTest, StartsStoresFirstAndStopsThemLastWhateverTheDeclarationOrder) {
    Runtime runtime("kit-test", Load({}));
    Kit kit(runtime);
    Journal journal;
    // Declared in the "wrong" order: consumer, own component, then the store.
    kit.Consume({"job-metrics"});
    kit.Add(
        "worker", [&] { journal.Record("start worker"); },
        [&](steady_clock::time_point) { journal.Record("stop worker"); });
    kit.Store<RecordingStore>("store", journal);

    int exit_code = -1;
    std::thread thread([&] { exit_code = runtime.Run(); });
    ASSERT_TRUE(runtime.WaitUntilRunning(steady_clock::now() + std::chrono::seconds(30)));
    runtime.RequestStop();
    thread.join();
    EXPECT_EQ(exit_code, kExitOk);
    EXPECT_EQ(journal.Entries(),
              (std::vector<std::string>{"start store", "start worker", "stop worker", "stop store"}));
}

/// A store whose own readiness words name where it lives, as SQLite stores do.
class TalkativeStore {
  public:
    bool Ready(std::string& detail) {
        detail = "open /var/lib/secret/place.db";
        return ready.load();
    }
    std::atomic<bool> ready{true};
};

TEST(KitTest, ReadinessNeverShowsTheStoresOwnWords) {
    Runtime runtime("kit-test", Load({}));
    Kit kit(runtime);
    TalkativeStore& store = kit.Store<TalkativeStore>("store");
    std::thread thread([&] { runtime.Run(); });
    ASSERT_TRUE(runtime.WaitUntilRunning(steady_clock::now() + std::chrono::seconds(30)));
    const std::string url = "http://127.0.0.1:" + std::to_string(runtime.HttpPort()) + "/readyz";
    const auto open = cosmic::testing::HttpCall(url);
    EXPECT_EQ(open.status, 200) << open.Describe();
    EXPECT_NE(open.body.find(R"("open")"), std::string::npos) << open.body;
    store.ready = false;
    const auto closed = cosmic::testing::HttpCall(url);
    EXPECT_EQ(closed.status, 503) << closed.Describe();
    EXPECT_NE(closed.body.find(R"("unavailable")"), std::string::npos) << closed.body;
    for (const auto* body : {&open.body, &closed.body}) {
        EXPECT_EQ(body->find("secret"), std::string::npos) << *body;
    }
    runtime.RequestStop();
    thread.join();
}

TEST(KitTest, DeclaringAfterTheServiceStartedIsAProgrammingError) {
    Runtime runtime("kit-test", Load({}));
    Kit kit(runtime);
    std::thread thread([&] { runtime.Run(); });
    ASSERT_TRUE(runtime.WaitUntilRunning(steady_clock::now() + std::chrono::seconds(30)));
    EXPECT_THROW(kit.Add("late", nullptr, nullptr), std::logic_error);
    runtime.RequestStop();
    thread.join();
}

TEST(KitTest, StaticMembershipOnlyForAnInstanceIdTheOperatorChose) {
    {
        Runtime runtime("kit-test", Load({{"COSMIC_INSTANCE_ID", "kit-test-0"}}));
        Kit kit(runtime);
        EXPECT_EQ(kit.GroupInstanceId(), "kit-test-0");
        EXPECT_EQ(kit.ClientId(), "kit-test-kit-test-0");
    }
    {
        // The default <hostname>-<pid> changes with every restart: a static member under it
        // would hold its partitions for a session timeout after each one.
        Runtime runtime("kit-test", Load({}));
        Kit kit(runtime);
        EXPECT_EQ(kit.GroupInstanceId(), "");
    }
    {
        Runtime runtime("kit-test",
                        Load({{"COSMIC_INSTANCE_ID", "kit-test-0"}, {"COSMIC_CONSUMER_STATIC_MEMBERSHIP", "false"}}));
        Kit kit(runtime);
        EXPECT_EQ(kit.GroupInstanceId(), "");
    }
}

TEST(KitTest, AConsumerWithoutAGroupIsAConfigErrorNamingTheKey) {
    Runtime runtime("kit-test", Load({{"COSMIC_CONSUMER_GROUP_ID", ""}}));
    Kit kit(runtime);
    try {
        kit.Consume({"job-metrics"});
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("consumer.group_id"), std::string::npos) << error.what();
    }
}

TEST(KitTest, HeartbeatCarriesTheCommonFieldsThenTheServiceFieldsAndTheWorseStatus) {
    Runtime runtime("kit-test", Load({{"COSMIC_INSTANCE_ID", "kit-test-0"}}));
    Kit kit(runtime);
    kit.Consume({"job-metrics"});
    kit.Heartbeat([](const HeartbeatCommon&, schema::JsonWriter& fields) {
        fields.Key("queue_depth").Uint(7);
        return schema::HealthStatus::kDegraded;
    });
    schema::HealthStatus status = schema::HealthStatus::kHealthy;
    const std::string json = kit.CollectHeartbeat(status);
    EXPECT_EQ(status, schema::HealthStatus::kDegraded);
    simdjson::dom::parser parser;
    simdjson::dom::element metrics = parser.parse(json);
    EXPECT_EQ(std::string_view(metrics["service"]), "kit-test");
    EXPECT_EQ(std::string_view(metrics["instance"]), "kit-test-0");
    EXPECT_TRUE(bool(metrics["consumer_ready"]));  // Kafka disabled counts as ready
    EXPECT_TRUE(metrics["consumer_lag"].is_null());
    for (const char* field : {"handled", "skipped", "invalid", "failed", "retried", "dead_lettered"}) {
        EXPECT_EQ(std::uint64_t(metrics[field]), 0u) << field;
    }
    EXPECT_TRUE(metrics["processed_per_second"].is_number());
    EXPECT_EQ(std::uint64_t(metrics["queue_depth"]), 7u);
}

TEST(KitTest, TheClockIsTheServicesAndCanBeReplaced) {
    Runtime runtime("kit-test", Load({}));
    Kit kit(runtime);
    EXPECT_GT(kit.NowMs(), 1'600'000'000'000);
    kit.SetClock([] { return std::int64_t{42}; });
    EXPECT_EQ(kit.NowMs(), 42);
    EXPECT_EQ(kit.Clock()(), 42);
    EXPECT_THROW(kit.SetClock(nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace cosmic::service
