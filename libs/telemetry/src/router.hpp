#pragma once
/// Route table: "{name}" segment patterns, most-specific match, 404 vs 405 decisions.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cosmic::telemetry::detail {

/// Splits a raw request path ("/a/b%20c/") into percent-decoded segments ({"a", "b c"}).
/// One trailing slash is ignored. nullopt for a path not starting with '/' or a bad escape.
std::optional<std::vector<std::string>> SplitPath(std::string_view raw_path);

class Router {
  public:
    enum class Outcome { kFound, kNotFound, kMethodNotAllowed };

    struct Match {
        Outcome outcome = Outcome::kNotFound;
        std::size_t route = 0;  ///< index given to Add(); for 405 the most specific path match
        std::vector<std::pair<std::string, std::string>> params;
        std::string allow;  ///< for 405: the methods the path accepts, "GET, HEAD, POST"
    };

    /// Adds a route; returns its index. Throws std::invalid_argument for a malformed pattern
    /// or a method/pattern pair that is already registered.
    std::size_t Add(std::string_view method, std::string_view pattern);

    /// Finds the route for a request. HEAD falls back to GET when no HEAD route exists.
    Match Find(std::string_view method, const std::vector<std::string>& segments) const;

    const std::string& Pattern(std::size_t route) const { return routes_[route].pattern; }
    const std::string& Method(std::size_t route) const { return routes_[route].method; }

  private:
    struct Segment {
        std::string text;  ///< literal text, or the parameter name when is_param
        bool is_param = false;
    };
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<Segment> segments;
    };

    static bool Matches(const Route& route, const std::vector<std::string>& segments);
    /// True when `a` is more specific than `b`: the first segment where they differ is a literal in `a`.
    static bool MoreSpecific(const Route& a, const Route& b);
    std::optional<std::size_t> FindForMethod(std::string_view method, const std::vector<std::string>& segments) const;

    std::vector<Route> routes_;
};

}  // namespace cosmic::telemetry::detail
