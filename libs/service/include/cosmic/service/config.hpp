#pragma once
/// Service configuration: one schema of keys declared in one place, loaded from defaults, then
/// one JSON file (`--config FILE`), then the environment (DESIGN.md §8).
///
/// Every key has a dotted name (`http.port`), a type, a default, a doc line and an environment
/// variable (`COSMIC_HTTP_PORT` unless declared otherwise). Kafka client properties are not
/// keys: `KAFKA_<PROP>` variables and the file's `kafka.properties` object pass straight to
/// librdkafka and are validated by it at load time.

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::service {

/// A startup configuration problem: names the key (or file) and where the bad value came from.
/// RunMain turns it into one line on stderr and exit code 2.
class ConfigError : public std::runtime_error {
  public:
    /// `key` is the dotted key or Kafka property; `source` is "file <path>", "env <VAR>" or "default".
    ConfigError(std::string key, std::string source, std::string_view problem);

    const std::string& Key() const { return key_; }
    const std::string& Source() const { return source_; }

  private:
    std::string key_;
    std::string source_;
};

enum class ConfigType { kString, kInt, kBool, kDouble, kDuration, kEnum, kStringList };

/// Printable name of a type ("string", "int", ...), as shown by --help.
std::string_view TypeName(ConfigType type);

/// A typed value. kEnum values are strings; kDuration values are milliseconds.
using ConfigValue =
    std::variant<std::string, std::int64_t, bool, double, std::chrono::milliseconds, std::vector<std::string>>;

/// One declared key.
struct ConfigKey {
    std::string name;  ///< dotted, e.g. "http.port"
    ConfigType type = ConfigType::kString;
    ConfigValue default_value;
    std::string doc;
    std::string env;  ///< environment variable; COSMIC_<NAME> when declared empty
    std::int64_t min = std::numeric_limits<std::int64_t>::min();  ///< kInt and kDuration (ms)
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    double min_double = std::numeric_limits<double>::lowest();  ///< kDouble
    double max_double = std::numeric_limits<double>::max();
    std::vector<std::string> choices;  ///< kEnum
    bool secret = false;               ///< value never echoed in errors, logs or --help
    std::string default_text;          ///< shown by --help instead of the default when set (e.g. "<hostname>-<pid>")
};

/// A key with the common fields set; adjust min/max, choices, secret, default_text after.
ConfigKey MakeKey(std::string name, ConfigType type, ConfigValue default_value, std::string doc, std::string env = {});

/// `COSMIC_` + upper(name with '.' -> '_'), e.g. "http.port" -> "COSMIC_HTTP_PORT".
std::string DefaultEnvName(std::string_view key);

/// The declared keys of one service. Declaration order is kept for --help.
class ConfigSchema {
  public:
    /// Declares a key; throws std::logic_error for a duplicate name or env variable, or a
    /// default that does not satisfy the key's own constraints.
    ConfigSchema& Add(ConfigKey key);

    ConfigSchema& String(std::string name, std::string default_value, std::string doc, std::string env = {});
    ConfigSchema& Secret(std::string name, std::string doc, std::string env = {});
    ConfigSchema& Int(std::string name, std::int64_t default_value, std::int64_t min, std::int64_t max, std::string doc,
                      std::string env = {});
    ConfigSchema& Bool(std::string name, bool default_value, std::string doc, std::string env = {});
    ConfigSchema& Double(std::string name, double default_value, double min, double max, std::string doc,
                         std::string env = {});
    ConfigSchema& Duration(std::string name, std::chrono::milliseconds default_value, std::chrono::milliseconds min,
                           std::chrono::milliseconds max, std::string doc, std::string env = {});
    ConfigSchema& Enum(std::string name, std::string default_value, std::vector<std::string> choices, std::string doc,
                       std::string env = {});
    ConfigSchema& StringList(std::string name, std::vector<std::string> default_value, std::string doc,
                             std::string env = {});

    /// Changes the default of a declared key (a service's own HTTP port, say); the value must
    /// have the key's type and satisfy its constraints, else std::logic_error.
    ConfigSchema& SetDefault(std::string_view name, ConfigValue value);

    /// nullptr when not declared.
    const ConfigKey* Find(std::string_view name) const;
    const ConfigKey* FindByEnv(std::string_view env) const;
    const std::vector<ConfigKey>& Keys() const { return keys_; }

  private:
    std::vector<ConfigKey> keys_;
};

/// Declares the keys every service has (DESIGN.md §8): service.instance_id, http.*, data_dir,
/// auth.tokens_file, log.level, shutdown.deadline_ms, kafka.enabled, kafka.bootstrap_servers.
/// `http_port` is the service's default port.
void DeclareCommonKeys(ConfigSchema& schema, std::int64_t http_port = 8080);

/// Environment variables by name.
using Environment = std::map<std::string, std::string, std::less<>>;

/// The process environment (environ) as a map.
Environment ProcessEnvironment();

/// Loaded, validated configuration. Accessors are for startup code: they look a key up by name
/// and throw std::logic_error for an undeclared key or a type mismatch (a programming error).
class Config {
  public:
    /// Defaults, then `file_path` (skipped when empty), then `env`. Throws ConfigError naming
    /// the key and source for an unknown key in the file, a value of the wrong type or out of
    /// range, an unreadable or unparsable file, or a Kafka property librdkafka rejects.
    static Config Load(const ConfigSchema& schema, const std::string& file_path, const Environment& env);

    std::string GetString(std::string_view name) const;  ///< kString, kEnum
    std::int64_t GetInt(std::string_view name) const;
    bool GetBool(std::string_view name) const;
    double GetDouble(std::string_view name) const;
    std::chrono::milliseconds GetDuration(std::string_view name) const;
    std::vector<std::string> GetStringList(std::string_view name) const;

    /// Where the key's value came from: "default", "file <path>" or "env <VAR>".
    const std::string& SourceOf(std::string_view name) const;

    /// Kafka client settings: `enabled` from kafka.enabled, `bootstrap.servers` from
    /// kafka.bootstrap_servers, plus every KAFKA_<PROP> and file kafka.properties entry.
    const kafka::ClientConfig& Kafka() const { return kafka_; }
    /// Source of a Kafka property ("env KAFKA_ACKS", "file <path>"); "default" if unknown.
    const std::string& KafkaSourceOf(std::string_view property) const;

    /// Non-fatal findings (unknown COSMIC_* variables, ignored Kubernetes service-link
    /// variables) to log once logging is up.
    const std::vector<std::string>& Warnings() const { return warnings_; }

    /// One line listing every key's effective value and source, secrets redacted; for the
    /// startup log.
    std::string Describe() const;

    const ConfigSchema& Schema() const { return schema_; }

  private:
    struct Entry {
        ConfigValue value;
        std::string source;
    };
    const Entry& Get(std::string_view name, ConfigType expected_a, std::optional<ConfigType> expected_b) const;

    ConfigSchema schema_;
    std::map<std::string, Entry, std::less<>> values_;
    kafka::ClientConfig kafka_;
    std::map<std::string, std::string, std::less<>> kafka_sources_;
    std::vector<std::string> warnings_;

    friend class ConfigLoader;
};

/// True for Kafka property names whose values must never be logged (passwords, secrets, keys).
bool IsSecretKafkaProperty(std::string_view property);

}  // namespace cosmic::service
