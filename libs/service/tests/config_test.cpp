#include "cosmic/service/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cosmic/service/runtime.hpp"
#include "test_util.hpp"

namespace cosmic::service {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ConfigSchema TestSchema() {
    ConfigSchema schema;
    DeclareCommonKeys(schema, 8090);
    schema.Int("metrics.max_jobs", 10000, 1, 1000000, "Jobs kept in memory.");
    schema.Double("executor.failure_rate", 0.1, 0.0, 1.0, "Share of simulated jobs that fail.");
    schema.Enum("executor.mode", "simulated", {"simulated", "off"}, "Executor.");
    schema.StringList("health.monitored_groups", {"a-group", "b-group"}, "Groups.", "COSMIC_MONITORED_GROUPS");
    schema.Duration("executor.tick_ms", std::chrono::milliseconds(250), std::chrono::milliseconds(1),
                    std::chrono::milliseconds(60000), "Tick.");
    schema.Secret("smtp.password", "SMTP password.");
    return schema;
}

/// Runs Load and returns the ConfigError it must throw.
ConfigError LoadError(const ConfigSchema& schema, const std::string& file, const Environment& env) {
    try {
        Config::Load(schema, file, env);
    } catch (const ConfigError& error) {
        return error;
    }
    ADD_FAILURE() << "Load did not throw";
    return ConfigError("", "", "");
}

TEST(ConfigSchemaTest, DerivesEnvironmentNames) {
    EXPECT_EQ(DefaultEnvName("http.port"), "COSMIC_HTTP_PORT");
    EXPECT_EQ(DefaultEnvName("data_dir"), "COSMIC_DATA_DIR");
    EXPECT_EQ(DefaultEnvName("metrics.max_jobs"), "COSMIC_METRICS_MAX_JOBS");
    const ConfigSchema schema = TestSchema();
    EXPECT_EQ(schema.Find("http.port_file")->env, "COSMIC_PORT_FILE");
    EXPECT_EQ(schema.Find("service.instance_id")->env, "COSMIC_INSTANCE_ID");
    EXPECT_EQ(schema.Find("auth.tokens_file")->env, "COSMIC_TOKENS_FILE");
    EXPECT_EQ(schema.Find("kafka.enabled")->env, "KAFKA_ENABLED");
    EXPECT_EQ(schema.Find("health.monitored_groups")->env, "COSMIC_MONITORED_GROUPS");
}

TEST(ConfigSchemaTest, RejectsDuplicatesAndBadDefaults) {
    ConfigSchema schema = TestSchema();
    EXPECT_THROW(schema.Int("http.port", 1, 0, 10, "again"), std::logic_error);
    EXPECT_THROW(schema.String("other.key", "", "clashes", "COSMIC_HTTP_PORT"), std::logic_error);
    EXPECT_THROW(schema.Int("new.key", 11, 0, 10, "default above max"), std::logic_error);
    EXPECT_THROW(schema.SetDefault("http.port", std::int64_t{70000}), std::logic_error);
    EXPECT_THROW(schema.SetDefault("http.port", std::string("80")), std::logic_error);
    EXPECT_THROW(schema.SetDefault("no.such.key", std::int64_t{1}), std::logic_error);
}

TEST(ConfigTest, DefaultsApplyWithoutFileOrEnvironment) {
    const Config config = Config::Load(TestSchema(), "", {});
    EXPECT_EQ(config.GetInt("http.port"), 8090);
    EXPECT_EQ(config.GetString("http.bind"), "0.0.0.0");
    EXPECT_EQ(config.GetString("log.level"), "info");
    EXPECT_EQ(config.GetDuration("shutdown.deadline_ms"), std::chrono::milliseconds(10000));
    EXPECT_TRUE(config.GetBool("kafka.enabled"));
    EXPECT_THAT(config.GetStringList("health.monitored_groups"), ElementsAre("a-group", "b-group"));
    EXPECT_DOUBLE_EQ(config.GetDouble("executor.failure_rate"), 0.1);
    EXPECT_THAT(config.GetString("service.instance_id"), HasSubstr("-"));
    EXPECT_EQ(config.SourceOf("http.port"), "default");
}

TEST(ConfigTest, FileOverridesDefaultsAndEnvironmentOverridesFile) {
    testing::TempDir dir;
    const std::string file = dir.Write("config.json", R"({
        "http": {"port": 9000, "bind": "127.0.0.1"},
        "metrics.max_jobs": 500,
        "log": {"level": "debug"},
        "health": {"monitored_groups": ["x", "y", "z"]},
        "executor": {"failure_rate": 0.5, "mode": "off", "tick_ms": "2s"},
        "kafka": {"enabled": false}
    })");
    const Config config = Config::Load(
        TestSchema(), file,
        {{"COSMIC_HTTP_PORT", "9100"}, {"COSMIC_MONITORED_GROUPS", "g1, g2,,g3"}, {"COSMIC_LOG_LEVEL", "WARN"}});
    EXPECT_EQ(config.GetInt("http.port"), 9100);
    EXPECT_EQ(config.SourceOf("http.port"), "env COSMIC_HTTP_PORT");
    EXPECT_EQ(config.GetString("http.bind"), "127.0.0.1");
    EXPECT_EQ(config.SourceOf("http.bind"), "file " + file);
    EXPECT_EQ(config.GetInt("metrics.max_jobs"), 500);
    EXPECT_EQ(config.GetString("log.level"), "warn");
    EXPECT_THAT(config.GetStringList("health.monitored_groups"), ElementsAre("g1", "g2", "g3"));
    EXPECT_DOUBLE_EQ(config.GetDouble("executor.failure_rate"), 0.5);
    EXPECT_EQ(config.GetString("executor.mode"), "off");
    EXPECT_EQ(config.GetDuration("executor.tick_ms"), std::chrono::milliseconds(2000));
    EXPECT_FALSE(config.GetBool("kafka.enabled"));
    EXPECT_FALSE(config.Kafka().enabled);
    EXPECT_EQ(config.GetDuration("shutdown.deadline_ms"), std::chrono::milliseconds(10000));
}

TEST(ConfigTest, EnvironmentParsesEveryType) {
    const Config config = Config::Load(TestSchema(), "",
                                       {{"KAFKA_ENABLED", "no"},
                                        {"COSMIC_SHUTDOWN_DEADLINE_MS", "1500"},
                                        {"COSMIC_EXECUTOR_TICK_MS", "1m"},
                                        {"COSMIC_EXECUTOR_FAILURE_RATE", " 0.25 "},
                                        {"COSMIC_INSTANCE_ID", "orchestrator-0"},
                                        {"COSMIC_MONITORED_GROUPS", ""}});
    EXPECT_FALSE(config.GetBool("kafka.enabled"));
    EXPECT_EQ(config.GetDuration("shutdown.deadline_ms"), std::chrono::milliseconds(1500));
    EXPECT_EQ(config.GetDuration("executor.tick_ms"), std::chrono::milliseconds(60000));
    EXPECT_DOUBLE_EQ(config.GetDouble("executor.failure_rate"), 0.25);
    EXPECT_EQ(config.GetString("service.instance_id"), "orchestrator-0");
    EXPECT_TRUE(config.GetStringList("health.monitored_groups").empty());
}

TEST(ConfigTest, AccessorsRejectUndeclaredKeysAndWrongTypes) {
    const Config config = Config::Load(TestSchema(), "", {});
    EXPECT_THROW(config.GetInt("no.such.key"), std::logic_error);
    EXPECT_THROW(config.GetString("http.port"), std::logic_error);
    EXPECT_THROW(config.GetBool("http.port"), std::logic_error);
}

TEST(ConfigErrorTest, BadEnvironmentValuesNameKeyAndVariable) {
    const ConfigSchema schema = TestSchema();
    struct Case {
        std::string variable;
        std::string value;
        std::string key;
        std::string problem;
    };
    const std::vector<Case> cases = {
        {"COSMIC_HTTP_PORT", "abc", "http.port", "is not an integer"},
        {"COSMIC_HTTP_PORT", "70000", "http.port", "out of range [0, 65535]"},
        {"COSMIC_HTTP_PORT", "-1", "http.port", "out of range"},
        {"KAFKA_ENABLED", "maybe", "kafka.enabled", "is not a boolean"},
        {"COSMIC_LOG_LEVEL", "verbose", "log.level", "is not one of trace|debug|info|warn|error|critical|off"},
        {"COSMIC_EXECUTOR_FAILURE_RATE", "1.5", "executor.failure_rate", "out of range"},
        {"COSMIC_EXECUTOR_FAILURE_RATE", "nan", "executor.failure_rate", "is not a number"},
        {"COSMIC_SHUTDOWN_DEADLINE_MS", "10 years", "shutdown.deadline_ms", "is not a duration"},
        {"COSMIC_METRICS_MAX_JOBS", "0", "metrics.max_jobs", "out of range [1, 1000000]"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.variable + "=" + c.value);
        const ConfigError error = LoadError(schema, "", {{c.variable, c.value}});
        EXPECT_EQ(error.Key(), c.key);
        EXPECT_EQ(error.Source(), "env " + c.variable);
        EXPECT_THAT(error.what(), AllOf(HasSubstr(c.key), HasSubstr(c.variable), HasSubstr(c.problem)));
    }
}

TEST(ConfigErrorTest, SecretValuesAreNotEchoed) {
    ConfigSchema schema = TestSchema();
    ConfigKey pin = MakeKey("smtp.pin", ConfigType::kInt, std::int64_t{0}, "secret number");
    pin.secret = true;
    schema.Add(pin);
    const ConfigError error = LoadError(schema, "", {{"COSMIC_SMTP_PIN", "hunter2"}});
    EXPECT_THAT(error.what(), HasSubstr("smtp.pin"));
    EXPECT_THAT(error.what(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(ConfigErrorTest, FileErrorsNameKeyAndFile) {
    testing::TempDir dir;
    const ConfigSchema schema = TestSchema();
    struct Case {
        std::string json;
        std::string key;
        std::string problem;
    };
    const std::vector<Case> cases = {
        {R"({"http": {"prot": 1}})", "http.prot", "unknown key (did you mean http.port?)"},
        {R"({"colour": "blue"})", "colour", "unknown key"},
        {R"({"nothing": {}})", "nothing", "unknown key"},
        {R"({"http": {"port": "8080"}})", "http.port", "expected an integer, got a string"},
        {R"({"http": {"port": 8080.5}})", "http.port", "expected an integer, got a number"},
        {R"({"http": {"port": 99999}})", "http.port", "out of range"},
        {R"({"http": {"port": 18446744073709551615}})", "http.port", "out of range"},
        {R"({"kafka": {"enabled": "yes"}})", "kafka.enabled", "expected a boolean"},
        {R"({"log": {"level": "loud"}})", "log.level", "is not one of"},
        {R"({"health": {"monitored_groups": [1, 2]}})", "health.monitored_groups", "array of strings"},
        {R"({"executor": {"failure_rate": null}})", "executor.failure_rate", "got null"},
        {R"({"http": 5})", "http", "unknown key"},
        {R"({"kafka": {"properties": {"acks": [1]}}})", "kafka.properties.acks", "got an array"},
        {R"({"kafka": {"properties": "acks=all"}})", "kafka.properties", "expected an object"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        const std::string file = dir.Write("bad.json", c.json);
        const ConfigError error = LoadError(schema, file, {});
        EXPECT_EQ(error.Key(), c.key);
        EXPECT_EQ(error.Source(), "file " + file);
        EXPECT_THAT(error.what(), AllOf(HasSubstr(c.key), HasSubstr(file), HasSubstr(c.problem)));
    }
}

TEST(ConfigErrorTest, UnreadableOrUnparsableFileNamesTheFile) {
    testing::TempDir dir;
    const std::string missing = dir.File("missing.json");
    ConfigError error = LoadError(TestSchema(), missing, {});
    EXPECT_THAT(error.what(), AllOf(HasSubstr(missing), HasSubstr("cannot read")));

    const std::string broken = dir.Write("broken.json", R"({"http": {"port": 80)");
    error = LoadError(TestSchema(), broken, {});
    EXPECT_THAT(error.what(), AllOf(HasSubstr(broken), HasSubstr("not valid JSON")));

    const std::string array = dir.Write("array.json", "[1, 2]");
    error = LoadError(TestSchema(), array, {});
    EXPECT_THAT(error.what(), AllOf(HasSubstr(array), HasSubstr("top level must be a JSON object")));
}

TEST(ConfigTest, UnknownCosmicVariablesWarnWithoutFailing) {
    const Config config = Config::Load(TestSchema(), "",
                                       {{"COSMIC_SMTP_URL", "smtp://127.0.0.1:2525"},
                                        {"COSMIC_HTTP_PROT", "1"},
                                        {"COSMIC_HTTP_PORT_FILE", "/tmp/p"},
                                        {"HOME", "/root"}});
    EXPECT_THAT(config.Warnings(),
                ElementsAre(AllOf(HasSubstr("COSMIC_HTTP_PORT_FILE"), HasSubstr("did you mean COSMIC_PORT_FILE")),
                            AllOf(HasSubstr("COSMIC_HTTP_PROT"), HasSubstr("did you mean COSMIC_HTTP_PORT")),
                            HasSubstr("COSMIC_SMTP_URL")));
}

TEST(ConfigTest, DescribeRedactsSecrets) {
    const Config config =
        Config::Load(TestSchema(), "", {{"COSMIC_SMTP_PASSWORD", "hunter2"}, {"COSMIC_HTTP_PORT", "9001"}});
    const std::string text = config.Describe();
    EXPECT_THAT(text, HasSubstr("http.port=9001 (env COSMIC_HTTP_PORT)"));
    EXPECT_THAT(text, HasSubstr("smtp.password=<redacted>"));
    EXPECT_THAT(text, ::testing::Not(HasSubstr("hunter2")));
}

TEST(HelpTextTest, ListsEveryKeyWithEnvironmentVariableAndDefault) {
    const ConfigSchema schema = TestSchema();
    const std::string help = HelpText("metrics-consumer", schema);
    for (const auto& key : schema.Keys()) {
        EXPECT_THAT(help, AllOf(HasSubstr(key.name), HasSubstr(key.env), HasSubstr(key.doc)));
    }
    EXPECT_THAT(help, HasSubstr("http.port  COSMIC_HTTP_PORT  int [0..65535]  default: 8090"));
    EXPECT_THAT(help, HasSubstr("default: <hostname>-<pid>"));
    EXPECT_THAT(help, HasSubstr("KAFKA_<PROP>"));
    EXPECT_THAT(help, HasSubstr("Usage: metrics-consumer"));
}

}  // namespace
}  // namespace cosmic::service
