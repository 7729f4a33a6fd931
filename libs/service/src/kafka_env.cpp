#include "cosmic/service/kafka_env.hpp"

#include <cctype>
#include <regex>

namespace cosmic::service {

bool IsServiceLinkVariable(std::string_view name) {
    static const std::regex kPattern(
        "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
    return std::regex_match(name.begin(), name.end(), kPattern);
}

std::string KafkaPropertyFromEnv(std::string_view name) {
    constexpr std::string_view kPrefix = "KAFKA_";
    if (name.starts_with(kPrefix)) {
        name.remove_prefix(kPrefix.size());
    }
    std::string property;
    property.reserve(name.size());
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '_') {
            if (i + 1 < name.size() && name[i + 1] == '_') {
                property += '_';
                ++i;
            } else {
                property += '.';
            }
        } else {
            property += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
        }
    }
    return property;
}

}  // namespace cosmic::service
