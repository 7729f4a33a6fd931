#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "config_value.hpp"
#include "cosmic/service/config.hpp"

extern char** environ;  // NOLINT: POSIX, the process environment

namespace cosmic::service {
namespace {

std::string ErrorText(const std::string& key, const std::string& source, std::string_view problem) {
    std::string text = "config error: ";
    if (!key.empty()) {
        text += key + " (" + source + ")";
    } else {
        text += source;
    }
    text += ": ";
    text += problem;
    return text;
}

}  // namespace

ConfigKey MakeKey(std::string name, ConfigType type, ConfigValue default_value, std::string doc, std::string env) {
    ConfigKey key;
    key.name = std::move(name);
    key.type = type;
    key.default_value = std::move(default_value);
    key.doc = std::move(doc);
    key.env = std::move(env);
    return key;
}

ConfigError::ConfigError(std::string key, std::string source, std::string_view problem)
    : std::runtime_error(ErrorText(key, source, problem)), key_(std::move(key)), source_(std::move(source)) {}

std::string_view TypeName(ConfigType type) {
    switch (type) {
        case ConfigType::kString:
            return "string";
        case ConfigType::kInt:
            return "int";
        case ConfigType::kBool:
            return "bool";
        case ConfigType::kDouble:
            return "double";
        case ConfigType::kDuration:
            return "duration_ms";
        case ConfigType::kEnum:
            return "enum";
        case ConfigType::kStringList:
            return "list";
    }
    return "?";
}

std::string DefaultEnvName(std::string_view key) {
    std::string env = "COSMIC_";
    for (char c : key) {
        env += (c == '.' || c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return env;
}

ConfigSchema& ConfigSchema::Add(ConfigKey key) {
    if (key.name.empty()) {
        throw std::logic_error("config key without a name");
    }
    if (key.env.empty()) {
        key.env = DefaultEnvName(key.name);
    }
    if (Find(key.name) != nullptr) {
        throw std::logic_error("config key declared twice: " + key.name);
    }
    if (FindByEnv(key.env) != nullptr) {
        throw std::logic_error("environment variable " + key.env + " declared twice (key " + key.name + ")");
    }
    try {
        detail::CheckValue(key, key.default_value, "default");
    } catch (const ConfigError& error) {
        throw std::logic_error(std::string("bad default: ") + error.what());
    }
    keys_.push_back(std::move(key));
    return *this;
}

ConfigSchema& ConfigSchema::String(std::string name, std::string default_value, std::string doc, std::string env) {
    return Add(MakeKey(std::move(name), ConfigType::kString, std::move(default_value), std::move(doc), std::move(env)));
}

ConfigSchema& ConfigSchema::Secret(std::string name, std::string doc, std::string env) {
    ConfigKey key = MakeKey(std::move(name), ConfigType::kString, std::string(), std::move(doc), std::move(env));
    key.secret = true;
    return Add(std::move(key));
}

ConfigSchema& ConfigSchema::Int(std::string name, std::int64_t default_value, std::int64_t min, std::int64_t max,
                                std::string doc, std::string env) {
    ConfigKey key = MakeKey(std::move(name), ConfigType::kInt, default_value, std::move(doc), std::move(env));
    key.min = min;
    key.max = max;
    return Add(std::move(key));
}

ConfigSchema& ConfigSchema::Bool(std::string name, bool default_value, std::string doc, std::string env) {
    return Add(MakeKey(std::move(name), ConfigType::kBool, default_value, std::move(doc), std::move(env)));
}

ConfigSchema& ConfigSchema::Double(std::string name, double default_value, double min, double max, std::string doc,
                                   std::string env) {
    ConfigKey key = MakeKey(std::move(name), ConfigType::kDouble, default_value, std::move(doc), std::move(env));
    key.min_double = min;
    key.max_double = max;
    return Add(std::move(key));
}

ConfigSchema& ConfigSchema::Duration(std::string name, std::chrono::milliseconds default_value,
                                     std::chrono::milliseconds min, std::chrono::milliseconds max, std::string doc,
                                     std::string env) {
    ConfigKey key = MakeKey(std::move(name), ConfigType::kDuration, default_value, std::move(doc), std::move(env));
    key.min = min.count();
    key.max = max.count();
    return Add(std::move(key));
}

ConfigSchema& ConfigSchema::Enum(std::string name, std::string default_value, std::vector<std::string> choices,
                                 std::string doc, std::string env) {
    ConfigKey key =
        MakeKey(std::move(name), ConfigType::kEnum, std::move(default_value), std::move(doc), std::move(env));
    key.choices = std::move(choices);
    return Add(std::move(key));
}

ConfigSchema& ConfigSchema::StringList(std::string name, std::vector<std::string> default_value, std::string doc,
                                       std::string env) {
    return Add(
        MakeKey(std::move(name), ConfigType::kStringList, std::move(default_value), std::move(doc), std::move(env)));
}

ConfigSchema& ConfigSchema::SetDefault(std::string_view name, ConfigValue value) {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ConfigKey& key) { return key.name == name; });
    if (it == keys_.end()) {
        throw std::logic_error("SetDefault of undeclared config key " + std::string(name));
    }
    try {
        detail::CheckValue(*it, value, "default");
    } catch (const ConfigError& error) {
        throw std::logic_error(std::string("bad default: ") + error.what());
    }
    it->default_value = std::move(value);
    it->default_text.clear();
    return *this;
}

const ConfigKey* ConfigSchema::Find(std::string_view name) const {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ConfigKey& key) { return key.name == name; });
    return it == keys_.end() ? nullptr : &*it;
}

const ConfigKey* ConfigSchema::FindByEnv(std::string_view env) const {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const ConfigKey& key) { return key.env == env; });
    return it == keys_.end() ? nullptr : &*it;
}

Environment ProcessEnvironment() {
    Environment env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const std::size_t equals = text.find('=');
        if (equals == std::string_view::npos || equals == 0) {
            continue;
        }
        env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
    }
    return env;
}

bool IsSecretKafkaProperty(std::string_view property) {
    for (std::string_view marker : {"password", "secret", "jaas", ".pem", "oauthbearer.config", "ssl.key"}) {
        if (property.find(marker) != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

}  // namespace cosmic::service
