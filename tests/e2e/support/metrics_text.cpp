#include "metrics_text.hpp"

#include <cstdlib>
#include <string>

namespace cosmic::e2e {

std::optional<double> MetricValue(std::string_view exposition, std::string_view series) {
    std::size_t pos = 0;
    while (pos < exposition.size()) {
        std::size_t end = exposition.find('\n', pos);
        if (end == std::string_view::npos) {
            end = exposition.size();
        }
        const std::string_view line = exposition.substr(pos, end - pos);
        if (line.size() > series.size() && line.substr(0, series.size()) == series && line[series.size()] == ' ') {
            const std::string value(line.substr(series.size() + 1));
            char* parsed_end = nullptr;
            const double number = std::strtod(value.c_str(), &parsed_end);
            if (parsed_end != value.c_str()) {
                return number;
            }
        }
        pos = end + 1;
    }
    return std::nullopt;
}

}  // namespace cosmic::e2e
