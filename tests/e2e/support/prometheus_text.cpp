#include "support/prometheus_text.hpp"

#include <cstdlib>
#include <limits>
#include <string>

namespace cosmic::e2e {
namespace {

/// Calls `visit(labels, value)` for every sample line of metric `name` (exact name).
template <typename Visit>
void ForEachSample(std::string_view exposition, std::string_view name, Visit visit) {
    std::size_t pos = 0;
    while (pos < exposition.size()) {
        std::size_t end = exposition.find('\n', pos);
        if (end == std::string_view::npos) end = exposition.size();
        const std::string_view line = exposition.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line.front() == '#' || !line.starts_with(name) || line.size() <= name.size()) continue;
        const char next = line[name.size()];
        if (next != '{' && next != ' ') continue;
        std::string_view labels;
        std::size_t value_at = name.size();
        if (next == '{') {
            const std::size_t close = line.rfind('}');
            if (close == std::string_view::npos) continue;
            labels = line.substr(name.size() + 1, close - name.size() - 1);
            value_at = close + 1;
        }
        const std::string value(line.substr(value_at));
        char* parsed_end = nullptr;
        const double number = std::strtod(value.c_str(), &parsed_end);
        if (parsed_end == value.c_str()) continue;
        visit(labels, number);
    }
}

}  // namespace

std::map<double, double> HistogramBuckets(std::string_view exposition, std::string_view name) {
    std::map<double, double> buckets;
    const std::string bucket_name = std::string(name) + "_bucket";
    ForEachSample(exposition, bucket_name, [&](std::string_view labels, double value) {
        const std::size_t le = labels.find("le=\"");
        if (le == std::string_view::npos) return;
        const std::size_t start = le + 4;
        const std::string bound(labels.substr(start, labels.find('"', start) - start));
        const double upper = bound == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(bound.c_str(), nullptr);
        buckets[upper] += value;
    });
    return buckets;
}

std::optional<double> HistogramQuantile(const std::map<double, double>& buckets, double q) {
    if (buckets.empty()) return std::nullopt;
    const double total = buckets.rbegin()->second;
    if (total <= 0) return std::nullopt;
    const double rank = q * total;
    double lower = 0;
    double below = 0;
    double largest_finite = 0;
    for (const auto& [upper, cumulative] : buckets) {
        if (upper != std::numeric_limits<double>::infinity()) largest_finite = upper;
        if (cumulative >= rank) {
            if (upper == std::numeric_limits<double>::infinity()) return largest_finite;
            const double in_bucket = cumulative - below;
            return in_bucket <= 0 ? upper : lower + (upper - lower) * (rank - below) / in_bucket;
        }
        lower = upper;
        below = cumulative;
    }
    return largest_finite;
}

double SumSamples(std::string_view exposition, std::string_view name, std::string_view label_filter) {
    double sum = 0;
    ForEachSample(exposition, name, [&](std::string_view labels, double value) {
        if (label_filter.empty() || labels.find(label_filter) != std::string_view::npos) sum += value;
    });
    return sum;
}

}  // namespace cosmic::e2e
