#include <string>

#include "config_value.hpp"
#include "cosmic/service/runtime.hpp"

namespace cosmic::service {
namespace {

std::string Constraint(const ConfigKey& key) {
    switch (key.type) {
        case ConfigType::kInt:
        case ConfigType::kDuration:
            return " [" + std::to_string(key.min) + ".." + std::to_string(key.max) + "]";
        case ConfigType::kDouble:
            return " [" + detail::FormatRaw(key.min_double) + ".." + detail::FormatRaw(key.max_double) + "]";
        case ConfigType::kEnum: {
            std::string list;
            for (const auto& choice : key.choices) {
                list += (list.empty() ? "" : "|") + choice;
            }
            return " " + list;
        }
        case ConfigType::kString:
        case ConfigType::kBool:
        case ConfigType::kStringList:
            break;
    }
    return {};
}

std::string DefaultText(const ConfigKey& key) {
    if (!key.default_text.empty()) {
        return key.default_text;
    }
    if (key.secret) {
        return "(none)";
    }
    std::string text = detail::FormatRaw(key.default_value);
    return text.empty() ? "(empty)" : text;
}

}  // namespace

std::string HelpText(std::string_view service, const ConfigSchema& schema) {
    std::string text;
    text += "Usage: " + std::string(service) + " [--config FILE] [--help] [--version]\n\n";
    text +=
        "Configuration is read from the defaults, then the JSON file given with --config (nested\n"
        "objects or dotted names, e.g. {\"http\": {\"port\": 8080}}), then environment variables,\n"
        "which win. Unknown keys in the file and bad values are errors (exit code 2).\n\n";
    text += "Keys (name, environment variable, type, default):\n";
    for (const auto& key : schema.Keys()) {
        text += "  " + key.name + "  " + key.env + "  " + std::string(TypeName(key.type)) + Constraint(key) +
                "  default: " + DefaultText(key) + "\n";
        text += "      " + key.doc + "\n";
    }
    text +=
        "\nKafka client properties:\n"
        "  KAFKA_<PROP>=value sets librdkafka property <prop>: KAFKA_ prefix removed, lower case,\n"
        "  '_' -> '.', '__' -> '_' (KAFKA_SECURITY_PROTOCOL -> security.protocol,\n"
        "  KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD, KAFKA_SSL_CA_LOCATION ...).\n"
        "  The file's \"kafka\": {\"properties\": {...}} object does the same. librdkafka checks every\n"
        "  property at startup. Kubernetes service-link variables (KAFKA_PORT, KAFKA_SERVICE_HOST,\n"
        "  KAFKA_PORT_9092_TCP_ADDR, ...) are ignored with a warning; so are unknown COSMIC_* variables.\n"
        "\nExit codes: 0 stopped cleanly; 1 failed to start, failed to stop, or stuck in stop past the\n"
        "shutdown deadline (+2 s); 2 configuration or command-line error; 128+N second signal N.\n";
    return text;
}

}  // namespace cosmic::service
