#pragma once
// cosmicctl's command line: positional words and --options, in any order.

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace cosmic::cosmicctl {

/// Bad command line: printed with the usage, exit status 2.
class UsageError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A failure while running a command (unknown topic, unreachable cluster, ...): exit status 1.
class CommandError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Args {
  public:
    /// Options that take a value ("--name value" or "--name=value"); a repeated one keeps all
    /// values. Anything else starting with "--" must be in `flags`.
    Args(const std::vector<std::string>& argv, const std::set<std::string>& valued, const std::set<std::string>& flags);

    const std::vector<std::string>& Positional() const noexcept { return positional_; }
    bool Flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::optional<std::string> Value(const std::string& name) const;
    std::vector<std::string> Values(const std::string& name) const;
    /// The option as an integer in [low, high]; UsageError otherwise.
    std::optional<long long> Integer(const std::string& name, long long low, long long high) const;

    /// UsageError unless only options from `allowed` (valued or flags) were given.
    void AllowOnly(const std::set<std::string>& allowed) const;

  private:
    std::vector<std::string> positional_;
    std::map<std::string, std::vector<std::string>> values_;
    std::set<std::string> flags_;
};

}  // namespace cosmic::cosmicctl
