#include "figures.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace cosmic::bench {
namespace {

std::string Escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
                    out += buffer;
                } else {
                    out += c;
                }
        }
    }
    return out;
}

std::string Number(double value) {
    if (!std::isfinite(value)) return "null";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

/// A figure for a table: thousands separators for rates, three significant digits otherwise.
std::string Human(double value, const std::string& unit) {
    char buffer[48];
    if (unit == "events/s" || unit == "jobs/s" || unit == "rows/s" || unit == "mails/s") {
        const long long rounded = std::llround(value);
        std::string digits = std::to_string(rounded);
        for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
            digits.insert(static_cast<std::size_t>(i), ",");
        return digits + " " + unit;
    }
    std::snprintf(buffer, sizeof buffer,
                  value >= 100  ? "%.0f %s"
                  : value >= 10 ? "%.1f %s"
                                : "%.2f %s",
                  value, unit.c_str());
    return buffer;
}

}  // namespace

std::optional<double> Ratio(double value, double baseline) {
    if (baseline <= 0 || !std::isfinite(value) || !std::isfinite(baseline)) return std::nullopt;
    return value / baseline;
}

Figure& Results::Add(Figure figure) {
    std::fprintf(stderr, "bench: %s | %s: %s", figure.section.c_str(), figure.name.c_str(),
                 Human(figure.value, figure.unit).c_str());
    if (figure.baseline) {
        std::fprintf(stderr, " (%s %s)", figure.baseline_name.c_str(), Human(*figure.baseline, figure.unit).c_str());
    }
    if (figure.goal_met) std::fprintf(stderr, " goal %s: %s", figure.goal.c_str(), *figure.goal_met ? "met" : "missed");
    std::fprintf(stderr, "\n");
    figures_.push_back(std::move(figure));
    return figures_.back();
}

std::string Results::Json() const {
    std::ostringstream out;
    out << "{\n  \"run\": {\"broker\": \"" << Escape(info_.broker) << "\", \"commit\": \"" << Escape(info_.commit)
        << "\", \"started_at\": \"" << Escape(info_.started_at) << "\", \"cores\": " << info_.cores
        << ", \"quick\": " << (info_.quick ? "true" : "false") << ", \"command\": \"" << Escape(info_.command)
        << "\"},\n  \"figures\": [";
    for (std::size_t i = 0; i < figures_.size(); ++i) {
        const Figure& f = figures_[i];
        out << (i == 0 ? "\n" : ",\n") << "    {\"section\": \"" << Escape(f.section) << "\", \"name\": \""
            << Escape(f.name) << "\", \"value\": " << Number(f.value) << ", \"unit\": \"" << Escape(f.unit) << "\"";
        if (f.baseline) {
            out << ", \"baseline_name\": \"" << Escape(f.baseline_name) << "\", \"baseline\": " << Number(*f.baseline);
        }
        if (f.ratio) out << ", \"ratio\": " << Number(*f.ratio);
        if (!f.goal.empty()) out << ", \"goal\": \"" << Escape(f.goal) << "\"";
        if (f.goal_met) out << ", \"goal_met\": " << (*f.goal_met ? "true" : "false");
        if (!f.note.empty()) out << ", \"note\": \"" << Escape(f.note) << "\"";
        out << "}";
    }
    out << "\n  ]\n}\n";
    return out.str();
}

std::string Results::Markdown() const {
    std::ostringstream out;
    out << "Measured " << info_.started_at << " at commit `" << info_.commit << "` on " << info_.cores
        << " cores, broker: " << (info_.broker == "mock" ? "dev-broker (librdkafka mock, 3 brokers)" : "Apache Kafka")
        << (info_.quick ? ", quick mode" : "") << ", with `" << info_.command << "`.\n";
    std::vector<std::string> order;
    std::map<std::string, std::vector<const Figure*>> by_section;
    for (const Figure& f : figures_) {
        if (by_section.find(f.section) == by_section.end()) order.push_back(f.section);
        by_section[f.section].push_back(&f);
    }
    for (const std::string& section : order) {
        out << "\n**" << section
            << "**\n\n| figure | value | baseline in the same run | ratio | goal |\n|---|---|---|---|---|\n";
        for (const Figure* f : by_section[section]) {
            out << "| " << f->name << " | " << Human(f->value, f->unit) << " | ";
            if (f->baseline) out << f->baseline_name << ": " << Human(*f->baseline, f->unit);
            out << " | ";
            if (f->ratio) {
                char buffer[32];
                if (*f->ratio >= 1.995) {
                    std::snprintf(buffer, sizeof buffer, "%.1f×", *f->ratio);
                } else {
                    std::snprintf(buffer, sizeof buffer, "%.0f %%", 100 * *f->ratio);
                }
                out << buffer;
            }
            out << " | ";
            if (!f->goal.empty()) out << f->goal << (f->goal_met ? (*f->goal_met ? ": met" : ": **missed**") : "");
            if (!f->note.empty()) out << (f->goal.empty() ? "" : "; ") << f->note;
            out << " |\n";
        }
    }
    return out.str();
}

}  // namespace cosmic::bench
