// Configuration: defaults match the deploy files, group entries parse, bad values name their key.

#include "cosmic/health_monitor/health_config.hpp"

#include <gtest/gtest.h>

#include "cosmic/service/kit.hpp"

namespace cosmic::health {
namespace {

service::Config Load(const service::Environment& env) {
    service::ConfigSchema schema;
    service::DeclareCommonKeys(schema);
    service::DeclareKitKeys(schema);
    DeclareHealthConfig(schema);
    return service::Config::Load(schema, "", env);
}

TEST(HealthConfigTest, DefaultsAreTheDeployedOnes) {
    const service::Config config = Load({});
    EXPECT_EQ(config.GetInt("http.port"), 8085);
    EXPECT_EQ(config.GetString("consumer.group_id"), "system-health-consumer-group");
    const HealthSettings s = LoadHealthSettings(config);
    EXPECT_EQ(s.groups, DefaultGroupTargets());
    EXPECT_EQ(s.groups.size(), 5U);
    EXPECT_EQ(s.leader_group, "system-health-consumer-group");
    EXPECT_TRUE(s.ha);
    EXPECT_TRUE(s.webhook.url.empty());
    EXPECT_EQ(s.lag.thresholds.messages, 10'000);
    EXPECT_EQ(s.lag.thresholds.seconds, 60.0);
}

TEST(HealthConfigTest, MonitoredGroupsComeFromTheEnvironment) {
    const HealthSettings s = LoadHealthSettings(
        Load({{"COSMIC_MONITORED_GROUPS", "metrics-consumer-group,replay-group:job-lifecycle:job-lifecycle.dlq"},
              {"COSMIC_ALERT_WEBHOOK_URL", "http://sink:8080/hook"},
              {"COSMIC_LAG_MAX_MESSAGES", "0"}}));
    ASSERT_EQ(s.groups.size(), 2U);
    EXPECT_EQ(s.groups[0], (GroupTarget{"metrics-consumer-group", {"job-metrics"}}));
    EXPECT_EQ(s.groups[1], (GroupTarget{"replay-group", {"job-lifecycle", "job-lifecycle.dlq"}}));
    EXPECT_EQ(s.webhook.url, "http://sink:8080/hook");
    EXPECT_FALSE(s.lag.thresholds.messages) << "0 turns the limit off";
}

TEST(HealthConfigTest, BadValuesNameTheKey) {
    auto fails_on = [](const service::Environment& env, const std::string& key) {
        try {
            LoadHealthSettings(Load(env));
        } catch (const service::ConfigError& error) {
            return error.Key() == key;
        }
        return false;
    };
    EXPECT_TRUE(fails_on({{"COSMIC_MONITORED_GROUPS", "someone-elses-group"}}, "groups.monitored"));
    EXPECT_TRUE(fails_on({{"COSMIC_MONITORED_GROUPS", "g:no-such-topic"}}, "groups.monitored"));
    EXPECT_TRUE(
        fails_on({{"COSMIC_MONITORED_GROUPS", "metrics-consumer-group,metrics-consumer-group"}}, "groups.monitored"));
    EXPECT_TRUE(fails_on({{"COSMIC_ALERT_WEBHOOK_URL", "ftp://x"}}, "alerts.webhook_url"));
    EXPECT_TRUE(fails_on({{"COSMIC_WEBHOOK_BACKOFF_BASE_MS", "5000"}, {"COSMIC_WEBHOOK_BACKOFF_MAX_MS", "10"}},
                         "webhook.backoff_max_ms"));
}

TEST(HealthConfigTest, GroupTargetsParse) {
    EXPECT_EQ(ParseGroupTarget("audit-trail-consumer-group")->topics, std::vector<std::string>{"audit-trail"});
    EXPECT_FALSE(ParseGroupTarget("unknown"));
    EXPECT_FALSE(ParseGroupTarget("g:"));
    EXPECT_FALSE(ParseGroupTarget(":job-metrics"));
}

}  // namespace
}  // namespace cosmic::health
