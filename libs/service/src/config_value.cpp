#include "config_value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace cosmic::service::detail {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

[[noreturn]] void Fail(const ConfigKey& key, const std::string& source, const std::string& problem) {
    throw ConfigError(key.name, source, problem);
}

std::string Describe(ConfigType type) {
    switch (type) {
        case ConfigType::kInt:
            return "an integer";
        case ConfigType::kBool:
            return "a boolean (true/false)";
        case ConfigType::kDouble:
            return "a number";
        case ConfigType::kDuration:
            return "a duration in milliseconds (or with unit ms, s, m, h)";
        case ConfigType::kEnum:
            return "one of the listed values";
        case ConfigType::kStringList:
            return "a comma-separated list";
        case ConfigType::kString:
            break;
    }
    return "a string";
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> ParseDurationMs(std::string_view text) {
    std::size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) != 0 || (digits == 0 && text[digits] == '-'))) {
        ++digits;
    }
    auto number = ParseInt(text.substr(0, digits));
    if (!number) {
        return std::nullopt;
    }
    std::string_view unit = TrimAscii(text.substr(digits));
    std::int64_t scale = 1;
    if (unit.empty() || unit == "ms") {
        scale = 1;
    } else if (unit == "s") {
        scale = 1000;
    } else if (unit == "m") {
        scale = 60'000;
    } else if (unit == "h") {
        scale = 3'600'000;
    } else {
        return std::nullopt;
    }
    std::int64_t result = 0;
    if (__builtin_mul_overflow(*number, scale, &result)) {
        return std::nullopt;
    }
    return result;
}

}  // namespace

std::string_view TrimAscii(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
        text.remove_suffix(1);
    }
    return text;
}

std::string QuoteForError(const ConfigKey& key, std::string_view text) {
    if (key.secret) {
        return "(value hidden)";
    }
    return "'" + std::string(text) + "'";
}

bool HoldsType(ConfigType type, const ConfigValue& value) {
    switch (type) {
        case ConfigType::kString:
        case ConfigType::kEnum:
            return std::holds_alternative<std::string>(value);
        case ConfigType::kInt:
            return std::holds_alternative<std::int64_t>(value);
        case ConfigType::kBool:
            return std::holds_alternative<bool>(value);
        case ConfigType::kDouble:
            return std::holds_alternative<double>(value);
        case ConfigType::kDuration:
            return std::holds_alternative<std::chrono::milliseconds>(value);
        case ConfigType::kStringList:
            return std::holds_alternative<std::vector<std::string>>(value);
    }
    return false;
}

ConfigValue ParseText(const ConfigKey& key, std::string_view text, const std::string& source) {
    const std::string_view trimmed = TrimAscii(text);
    const auto bad = [&]() { Fail(key, source, QuoteForError(key, text) + " is not " + Describe(key.type)); };
    ConfigValue value;
    switch (key.type) {
        case ConfigType::kString:
            value = std::string(text);
            break;
        case ConfigType::kInt: {
            auto parsed = ParseInt(trimmed);
            if (!parsed) bad();
            value = *parsed;
            break;
        }
        case ConfigType::kBool: {
            if (EqualsIgnoreCase(trimmed, "true") || EqualsIgnoreCase(trimmed, "yes") ||
                EqualsIgnoreCase(trimmed, "on") || trimmed == "1") {
                value = true;
            } else if (EqualsIgnoreCase(trimmed, "false") || EqualsIgnoreCase(trimmed, "no") ||
                       EqualsIgnoreCase(trimmed, "off") || trimmed == "0") {
                value = false;
            } else {
                bad();
            }
            break;
        }
        case ConfigType::kDouble: {
            double parsed = 0;
            const char* end = trimmed.data() + trimmed.size();
            auto [ptr, ec] = std::from_chars(trimmed.data(), end, parsed);
            if (trimmed.empty() || ec != std::errc() || ptr != end || !std::isfinite(parsed)) bad();
            value = parsed;
            break;
        }
        case ConfigType::kDuration: {
            auto parsed = ParseDurationMs(trimmed);
            if (!parsed) bad();
            value = std::chrono::milliseconds(*parsed);
            break;
        }
        case ConfigType::kEnum: {
            // Case-insensitive so LOG_LEVEL=INFO works; the canonical spelling is stored.
            auto it = std::find_if(key.choices.begin(), key.choices.end(),
                                   [&](const std::string& choice) { return EqualsIgnoreCase(choice, trimmed); });
            if (it == key.choices.end()) {
                value = std::string(trimmed);  // CheckValue reports it with the list of choices
            } else {
                value = *it;
            }
            break;
        }
        case ConfigType::kStringList: {
            std::vector<std::string> items;
            std::string_view rest = text;
            while (!rest.empty()) {
                const std::size_t comma = rest.find(',');
                std::string_view item = TrimAscii(rest.substr(0, comma));
                if (!item.empty()) {
                    items.emplace_back(item);
                }
                rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            }
            value = std::move(items);
            break;
        }
    }
    CheckValue(key, value, source);
    return value;
}

void CheckValue(const ConfigKey& key, const ConfigValue& value, const std::string& source) {
    if (!HoldsType(key.type, value)) {
        Fail(key, source, "expected " + Describe(key.type));
    }
    switch (key.type) {
        case ConfigType::kInt:
        case ConfigType::kDuration: {
            const std::int64_t number = key.type == ConfigType::kInt
                                            ? std::get<std::int64_t>(value)
                                            : std::get<std::chrono::milliseconds>(value).count();
            if (number < key.min || number > key.max) {
                Fail(key, source,
                     QuoteForError(key, std::to_string(number)) + " is out of range [" + std::to_string(key.min) +
                         ", " + std::to_string(key.max) + "]");
            }
            break;
        }
        case ConfigType::kDouble: {
            const double number = std::get<double>(value);
            if (!std::isfinite(number) || number < key.min_double || number > key.max_double) {
                Fail(key, source,
                     QuoteForError(key, FormatRaw(value)) + " is out of range [" + FormatRaw(key.min_double) + ", " +
                         FormatRaw(key.max_double) + "]");
            }
            break;
        }
        case ConfigType::kEnum: {
            const auto& text = std::get<std::string>(value);
            if (std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end()) {
                std::string list;
                for (const auto& choice : key.choices) {
                    list += (list.empty() ? "" : "|") + choice;
                }
                Fail(key, source, QuoteForError(key, text) + " is not one of " + list);
            }
            break;
        }
        case ConfigType::kString:
        case ConfigType::kBool:
        case ConfigType::kStringList:
            break;
    }
}

std::string FormatValue(const ConfigKey& key, const ConfigValue& value) {
    return key.secret ? std::string("<redacted>") : FormatRaw(value);
}

std::string FormatRaw(const ConfigValue& value) {
    struct Visitor {
        std::string operator()(const std::string& v) const { return v; }
        std::string operator()(std::int64_t v) const { return std::to_string(v); }
        std::string operator()(bool v) const { return v ? "true" : "false"; }
        std::string operator()(double v) const {
            char buffer[64];
            auto [ptr, ec] = std::to_chars(buffer, buffer + sizeof(buffer), v);
            return ec == std::errc() ? std::string(buffer, ptr) : std::to_string(v);
        }
        std::string operator()(std::chrono::milliseconds v) const { return std::to_string(v.count()); }
        std::string operator()(const std::vector<std::string>& v) const {
            std::string out;
            for (const auto& item : v) {
                out += (out.empty() ? "" : ",") + item;
            }
            return out;
        }
    };
    return std::visit(Visitor{}, value);
}

}  // namespace cosmic::service::detail
