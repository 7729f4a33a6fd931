#include "cosmic/service/config.hpp"

#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "config_file.hpp"
#include "config_value.hpp"
#include "cosmic/service/kafka_env.hpp"

namespace cosmic::service {
namespace {

constexpr std::string_view kBootstrapProperty = "bootstrap.servers";

const std::string& DefaultSource() {
    static const std::string kDefault = "default";
    return kDefault;
}

}  // namespace

/// Fills a Config from its three sources; a class so it can reach Config's members.
class ConfigLoader {
  public:
    static Config Load(const ConfigSchema& schema, const std::string& file_path, const Environment& env) {
        Config config;
        config.schema_ = schema;
        for (const auto& key : schema.Keys()) {
            config.values_[key.name] = Config::Entry{key.default_value, DefaultSource()};
        }
        if (!file_path.empty()) {
            ApplyFile(config, file_path);
        }
        const Environment canonical = TranslateLegacyKafkaEnv(config, env);
        ApplyEnvironment(config, canonical);
        BuildKafka(config);
        return config;
    }

  private:
    static void ApplyFile(Config& config, const std::string& path) {
        const std::string source = "file " + path;
        detail::FileSettings settings = detail::ReadConfigFile(config.schema_, path);
        for (auto& [name, value] : settings.values) {
            config.values_[name] = Config::Entry{std::move(value), source};
        }
        for (auto& [property, value] : settings.kafka_properties) {
            if (property == kBootstrapProperty) {
                throw ConfigError("kafka.properties.bootstrap.servers", source,
                                  "set kafka.bootstrap_servers (KAFKA_BOOTSTRAP_SERVERS) instead");
            }
            config.kafka_.properties[property] = std::move(value);
            config.kafka_sources_[property] = source;
        }
    }

    /// The original (NestJS/KafkaJS) stack's Kafka settings, accepted during a migration so its
    /// deployment files work unchanged: KAFKA_BROKERS, KAFKA_SSL=true|false and lower-case SASL
    /// mechanisms. Each one used gets a startup warning naming the canonical key; when both
    /// spellings are set the canonical one wins.
    static Environment TranslateLegacyKafkaEnv(Config& config, const Environment& env) {
        Environment out = env;
        const auto has = [&](std::string_view name) { return env.find(name) != env.end(); };
        if (const auto brokers = env.find("KAFKA_BROKERS"); brokers != env.end()) {
            if (has("KAFKA_BOOTSTRAP_SERVERS")) {
                config.warnings_.push_back("ignoring KAFKA_BROKERS: KAFKA_BOOTSTRAP_SERVERS is set too");
            } else {
                config.warnings_.push_back("KAFKA_BROKERS is deprecated: read as KAFKA_BOOTSTRAP_SERVERS "
                                           "(kafka.bootstrap_servers); set that instead");
                out["KAFKA_BOOTSTRAP_SERVERS"] = brokers->second;
            }
            out.erase("KAFKA_BROKERS");
        }
        std::string mechanism;
        if (const auto found = env.find("KAFKA_SASL_MECHANISM"); found != env.end()) {
            mechanism = found->second;
            std::string upper;
            for (const char c : mechanism) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (upper != mechanism) {
                config.warnings_.push_back("KAFKA_SASL_MECHANISM=" + mechanism + " read as " + upper +
                                           " (sasl.mechanism); write it in upper case");
                out["KAFKA_SASL_MECHANISM"] = upper;
            }
        }
        const auto ssl = env.find("KAFKA_SSL");
        if (ssl == env.end() && (mechanism.empty() || has("KAFKA_SECURITY_PROTOCOL"))) {
            return out;
        }
        // The original stack used SASL whenever a mechanism was set, over TLS only with KAFKA_SSL.
        std::string flag = "false";
        if (ssl != env.end()) {
            out.erase("KAFKA_SSL");
            flag.clear();
            for (const char c : ssl->second) flag += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (flag != "true" && flag != "false" && flag != "1" && flag != "0") {
            throw ConfigError("KAFKA_SSL", "env KAFKA_SSL",
                              "must be true or false (better: KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL)");
        }
        const bool tls = flag == "true" || flag == "1";
        const std::string protocol = mechanism.empty() ? (tls ? "SSL" : "PLAINTEXT")
                                                       : (tls ? "SASL_SSL" : "SASL_PLAINTEXT");
        if (has("KAFKA_SECURITY_PROTOCOL")) {
            config.warnings_.push_back("ignoring KAFKA_SSL: KAFKA_SECURITY_PROTOCOL is set too");
        } else {
            config.warnings_.push_back(std::string(ssl != env.end() ? "KAFKA_SSL is deprecated: read as "
                                                                    : "KAFKA_SASL_MECHANISM without a protocol: "
                                                                      "using ") +
                                       "KAFKA_SECURITY_PROTOCOL=" + protocol + " (security.protocol); set that instead");
            out["KAFKA_SECURITY_PROTOCOL"] = protocol;
        }
        return out;
    }

    static void ApplyEnvironment(Config& config, const Environment& env) {
        for (const auto& [name, text] : env) {
            const std::string source = "env " + name;
            if (const ConfigKey* key = config.schema_.FindByEnv(name); key != nullptr) {
                config.values_[key->name] = Config::Entry{detail::ParseText(*key, text, source), source};
                continue;
            }
            if (name.starts_with("KAFKA_")) {
                if (IsServiceLinkVariable(name)) {
                    config.warnings_.push_back("ignoring " + name +
                                               ": looks like a Kubernetes service-link variable, not a Kafka "
                                               "property (set enableServiceLinks: false to drop it)");
                    continue;
                }
                const std::string property = KafkaPropertyFromEnv(name);
                if (property == kBootstrapProperty) {
                    throw ConfigError(property, source, "set kafka.bootstrap_servers instead");
                }
                config.kafka_.properties[property] = text;
                config.kafka_sources_[property] = source;
                continue;
            }
            if (name.starts_with("COSMIC_")) {
                std::string warning = "ignoring unknown environment variable " + name;
                if (const ConfigKey* near = NearestByEnv(config.schema_, name); near != nullptr) {
                    warning += " (did you mean " + near->env + "?)";
                }
                config.warnings_.push_back(std::move(warning));
            }
        }
    }

    static const ConfigKey* NearestByEnv(const ConfigSchema& schema, const std::string& env) {
        // Map the variable back to a dotted name so the key-name hint logic can be reused.
        std::string dotted;
        for (char c : std::string_view(env).substr(std::string_view("COSMIC_").size())) {
            dotted += c == '_' ? '.' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        for (const auto& key : schema.Keys()) {
            if (DefaultEnvName(dotted) == DefaultEnvName(key.name)) {
                return &key;
            }
        }
        const std::string closest = detail::ClosestKey(schema, dotted);
        return closest.empty() ? nullptr : schema.Find(closest);
    }

    static void BuildKafka(Config& config) {
        config.kafka_.enabled = config.GetBool("kafka.enabled");
        config.kafka_.properties[std::string(kBootstrapProperty)] = config.GetString("kafka.bootstrap_servers");
        config.kafka_sources_[std::string(kBootstrapProperty)] = config.SourceOf("kafka.bootstrap_servers");
        // One property at a time so the error names where the rejected one came from.
        for (const auto& [property, value] : config.kafka_.properties) {
            kafka::ClientConfig single;
            single.properties.emplace(property, value);
            try {
                single.Validate();
            } catch (const std::invalid_argument& error) {
                const std::string shown = IsSecretKafkaProperty(property) ? "the value" : "'" + value + "'";
                throw ConfigError(property, config.KafkaSourceOf(property),
                                  "librdkafka rejected " + shown + ": " + error.what());
            }
        }
        config.kafka_.Validate();
    }
};

Config Config::Load(const ConfigSchema& schema, const std::string& file_path, const Environment& env) {
    return ConfigLoader::Load(schema, file_path, env);
}

const Config::Entry& Config::Get(std::string_view name, ConfigType expected_a,
                                 std::optional<ConfigType> expected_b) const {
    const ConfigKey* key = schema_.Find(name);
    if (key == nullptr) {
        throw std::logic_error("config key not declared: " + std::string(name));
    }
    if (key->type != expected_a && (!expected_b || key->type != *expected_b)) {
        throw std::logic_error("config key " + std::string(name) + " is of type " + std::string(TypeName(key->type)));
    }
    return values_.find(name)->second;
}

std::string Config::GetString(std::string_view name) const {
    return std::get<std::string>(Get(name, ConfigType::kString, ConfigType::kEnum).value);
}

std::int64_t Config::GetInt(std::string_view name) const {
    return std::get<std::int64_t>(Get(name, ConfigType::kInt, std::nullopt).value);
}

bool Config::GetBool(std::string_view name) const {
    return std::get<bool>(Get(name, ConfigType::kBool, std::nullopt).value);
}

double Config::GetDouble(std::string_view name) const {
    return std::get<double>(Get(name, ConfigType::kDouble, std::nullopt).value);
}

std::chrono::milliseconds Config::GetDuration(std::string_view name) const {
    return std::get<std::chrono::milliseconds>(Get(name, ConfigType::kDuration, std::nullopt).value);
}

std::vector<std::string> Config::GetStringList(std::string_view name) const {
    return std::get<std::vector<std::string>>(Get(name, ConfigType::kStringList, std::nullopt).value);
}

const std::string& Config::SourceOf(std::string_view name) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
        throw std::logic_error("config key not declared: " + std::string(name));
    }
    return it->second.source;
}

const std::string& Config::KafkaSourceOf(std::string_view property) const {
    auto it = kafka_sources_.find(property);
    return it == kafka_sources_.end() ? DefaultSource() : it->second;
}

std::string Config::Describe() const {
    std::string text;
    for (const auto& key : schema_.Keys()) {
        const Entry& entry = values_.find(key.name)->second;
        text += (text.empty() ? "" : ", ") + key.name + "=" + detail::FormatValue(key, entry.value);
        if (entry.source != DefaultSource()) {
            text += " (" + entry.source + ")";
        }
    }
    for (const auto& [property, value] : kafka_.properties) {
        text += ", kafka[" + property + "]=" + (IsSecretKafkaProperty(property) ? "<redacted>" : value);
    }
    return text;
}

}  // namespace cosmic::service
