#include "args.hpp"

#include <charconv>

namespace cosmic::cosmicctl {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& valued,
           const std::set<std::string>& flags) {
    bool only_positional = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (only_positional || arg.size() < 2 || arg[0] != '-' || arg == "-") {
            positional_.push_back(arg);
            continue;
        }
        if (arg == "--") {
            only_positional = true;
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        if (name == "-h") {
            name = "--help";
        }
        if (valued.count(name) > 0) {
            if (!value) {
                if (i + 1 >= argv.size()) {
                    throw UsageError(name + " needs a value");
                }
                value = argv[++i];
            }
            values_[name].push_back(*value);
        } else if (flags.count(name) > 0) {
            if (value) {
                throw UsageError(name + " takes no value");
            }
            flags_.insert(name);
        } else {
            throw UsageError("unknown option '" + name + "'");
        }
    }
}

std::optional<std::string> Args::Value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) {
        return std::nullopt;
    }
    if (it->second.size() > 1) {
        throw UsageError(name + " given more than once");
    }
    return it->second.front();
}

std::vector<std::string> Args::Values(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<long long> Args::Integer(const std::string& name, long long low, long long high) const {
    const auto text = Value(name);
    if (!text) {
        return std::nullopt;
    }
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || ptr != text->data() + text->size() || text->empty() || value < low || value > high) {
        throw UsageError(name + " needs a whole number from " + std::to_string(low) + " to " + std::to_string(high));
    }
    return value;
}

void Args::AllowOnly(const std::set<std::string>& allowed) const {
    for (const auto& [name, unused] : values_) {
        if (allowed.count(name) == 0) {
            throw UsageError(name + " does not apply to this command");
        }
    }
    for (const auto& name : flags_) {
        if (allowed.count(name) == 0) {
            throw UsageError(name + " does not apply to this command");
        }
    }
}

}  // namespace cosmic::cosmicctl
