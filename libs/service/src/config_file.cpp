#include "config_file.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "config_value.hpp"

namespace cosmic::service::detail {
namespace {

constexpr std::string_view kKafkaProperties = "kafka.properties";

std::string Join(std::string_view prefix, std::string_view name) {
    return prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
}

std::string_view JsonTypeName(simdjson::dom::element_type type) {
    using simdjson::dom::element_type;
    switch (type) {
        case element_type::ARRAY:
            return "an array";
        case element_type::OBJECT:
            return "an object";
        case element_type::INT64:
        case element_type::UINT64:
            return "an integer";
        case element_type::DOUBLE:
            return "a number";
        case element_type::STRING:
            return "a string";
        case element_type::BOOL:
            return "a boolean";
        case element_type::NULL_VALUE:
            return "null";
    }
    return "?";
}

class FileReader {
  public:
    FileReader(const ConfigSchema& schema, const std::string& path) : schema_(schema), source_("file " + path) {}

    FileSettings Read(const std::string& path) {
        simdjson::dom::parser parser;
        simdjson::dom::element root;
        if (auto error = parser.load(path).get(root); error != simdjson::SUCCESS) {
            const bool unreadable = error == simdjson::IO_ERROR;
            throw ConfigError(
                "", source_,
                std::string(unreadable ? "cannot read: " : "not valid JSON: ") + simdjson::error_message(error));
        }
        if (root.type() != simdjson::dom::element_type::OBJECT) {
            throw ConfigError("", source_, "the top level must be a JSON object");
        }
        Walk(root, "");
        return std::move(settings_);
    }

  private:
    void Walk(simdjson::dom::element element, const std::string& prefix) {
        if (prefix == kKafkaProperties) {
            if (element.type() != simdjson::dom::element_type::OBJECT) {
                throw ConfigError(prefix, source_, "expected an object of librdkafka properties");
            }
            CollectKafka(element, "");
            return;
        }
        if (!prefix.empty()) {
            if (const ConfigKey* key = schema_.Find(prefix); key != nullptr) {
                settings_.values.emplace_back(key->name, Convert(*key, element));
                return;
            }
        }
        if (element.type() != simdjson::dom::element_type::OBJECT) {
            ThrowUnknown(prefix);
        }
        simdjson::dom::object object;
        if (element.get(object) != simdjson::SUCCESS) {
            ThrowUnknown(prefix);
        }
        if (object.size() == 0 && !prefix.empty() && !IsKeyPrefix(prefix)) {
            ThrowUnknown(prefix);
        }
        for (auto field : object) {
            Walk(field.value, Join(prefix, field.key));
        }
    }

    bool IsKeyPrefix(const std::string& prefix) const {
        const std::string dotted = prefix + ".";
        return std::any_of(schema_.Keys().begin(), schema_.Keys().end(),
                           [&](const ConfigKey& key) { return key.name.starts_with(dotted); }) ||
               std::string_view(kKafkaProperties).starts_with(dotted);
    }

    [[noreturn]] void ThrowUnknown(const std::string& name) const {
        std::string problem = "unknown key";
        if (std::string hint = ClosestKey(schema_, name); !hint.empty()) {
            problem += " (did you mean " + hint + "?)";
        }
        throw ConfigError(name, source_, problem);
    }

    [[noreturn]] void ThrowType(const ConfigKey& key, simdjson::dom::element element, std::string_view expected) const {
        throw ConfigError(key.name, source_,
                          "expected " + std::string(expected) + ", got " + std::string(JsonTypeName(element.type())));
    }

    ConfigValue Convert(const ConfigKey& key, simdjson::dom::element element) const {
        using simdjson::dom::element_type;
        const element_type type = element.type();
        ConfigValue value;
        switch (key.type) {
            case ConfigType::kString:
                value = std::string(Text(key, element));
                break;
            case ConfigType::kEnum:
                return ParseText(key, Text(key, element), source_);
            case ConfigType::kInt: {
                if (type == element_type::UINT64) {
                    throw ConfigError(key.name, source_, "integer out of range");
                }
                std::int64_t number = 0;
                if (type != element_type::INT64 || element.get(number) != simdjson::SUCCESS) {
                    ThrowType(key, element, "an integer");
                }
                value = number;
                break;
            }
            case ConfigType::kBool: {
                bool flag = false;
                if (element.get(flag) != simdjson::SUCCESS) ThrowType(key, element, "a boolean");
                value = flag;
                break;
            }
            case ConfigType::kDouble: {
                // get_double converts integers too.
                double number = 0;
                if (element.get(number) != simdjson::SUCCESS) ThrowType(key, element, "a number");
                value = number;
                break;
            }
            case ConfigType::kDuration: {
                if (type == element_type::STRING) {
                    return ParseText(key, Text(key, element), source_);
                }
                std::int64_t number = 0;
                if (type != element_type::INT64 || element.get(number) != simdjson::SUCCESS) {
                    ThrowType(key, element, "milliseconds as an integer or \"10s\"");
                }
                value = std::chrono::milliseconds(number);
                break;
            }
            case ConfigType::kStringList: {
                if (type == element_type::STRING) {
                    return ParseText(key, Text(key, element), source_);
                }
                simdjson::dom::array array;
                if (element.get(array) != simdjson::SUCCESS) ThrowType(key, element, "an array of strings");
                std::vector<std::string> items;
                for (simdjson::dom::element item : array) {
                    items.emplace_back(Text(key, item, "an array of strings"));
                }
                value = std::move(items);
                break;
            }
        }
        CheckValue(key, value, source_);
        return value;
    }

    std::string_view Text(const ConfigKey& key, simdjson::dom::element element,
                          std::string_view expected = "a string") const {
        std::string_view text;
        if (element.get(text) != simdjson::SUCCESS) ThrowType(key, element, expected);
        return text;
    }

    void CollectKafka(simdjson::dom::element element, const std::string& prefix) {
        using simdjson::dom::element_type;
        simdjson::dom::object object;
        if (element.get(object) != simdjson::SUCCESS) {
            throw ConfigError(std::string(kKafkaProperties), source_, "expected an object of librdkafka properties");
        }
        for (auto field : object) {
            const std::string name = Join(prefix, field.key);
            const simdjson::dom::element value = field.value;
            std::string text;
            std::string_view string_value;
            switch (value.type()) {
                case element_type::OBJECT:
                    CollectKafka(value, name);
                    continue;
                case element_type::STRING:
                    if (value.get(string_value) == simdjson::SUCCESS) {
                        text = std::string(string_value);
                    }
                    break;
                case element_type::INT64:
                case element_type::UINT64:
                case element_type::DOUBLE:
                case element_type::BOOL:
                    // The JSON spelling is what librdkafka expects: 5, 0.5, true.
                    text = simdjson::minify(value);
                    break;
                case element_type::ARRAY:
                case element_type::NULL_VALUE:
                    throw ConfigError(
                        std::string(kKafkaProperties) + "." + name, source_,
                        "expected a string, number or boolean, got " + std::string(JsonTypeName(value.type())));
            }
            settings_.kafka_properties.emplace_back(name, std::move(text));
        }
    }

    const ConfigSchema& schema_;
    std::string source_;
    FileSettings settings_;
};

std::size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string ClosestKey(const ConfigSchema& schema, std::string_view name) {
    std::string best;
    std::size_t best_distance = 3;  // further than this is a different key, not a typo
    for (const auto& key : schema.Keys()) {
        const std::size_t distance = EditDistance(key.name, name);
        if (distance < best_distance) {
            best_distance = distance;
            best = key.name;
        }
    }
    return best;
}

FileSettings ReadConfigFile(const ConfigSchema& schema, const std::string& path) {
    return FileReader(schema, path).Read(path);
}

}  // namespace cosmic::service::detail
