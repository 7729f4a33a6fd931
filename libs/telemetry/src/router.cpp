#include "router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "url.hpp"

namespace cosmic::telemetry::detail {

std::optional<std::vector<std::string>> SplitPath(std::string_view raw_path) {
    if (raw_path.empty() || raw_path.front() != '/') {
        return std::nullopt;
    }
    std::string_view rest = raw_path.substr(1);
    if (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    std::vector<std::string> segments;
    if (rest.empty()) {
        return segments;
    }
    while (true) {
        const std::size_t slash = rest.find('/');
        std::optional<std::string> segment = PercentDecode(rest.substr(0, slash), false);
        if (!segment) {
            return std::nullopt;
        }
        segments.push_back(std::move(*segment));
        if (slash == std::string_view::npos) {
            break;
        }
        rest = rest.substr(slash + 1);
    }
    return segments;
}

std::size_t Router::Add(std::string_view method, std::string_view pattern) {
    if (method.empty() || method.find_first_of(" \t\r\n") != std::string_view::npos) {
        throw std::invalid_argument("route method must be a token, got '" + std::string(method) + "'");
    }
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': '" + std::string(pattern) + "'");
    }
    Route route{std::string(method), std::string(pattern), {}};
    std::string_view rest = pattern.substr(1);
    if (!rest.empty() && rest.back() == '/') {
        rest.remove_suffix(1);
    }
    std::set<std::string, std::less<>> names;
    while (!rest.empty()) {
        const std::size_t slash = rest.find('/');
        const std::string_view text = rest.substr(0, slash);
        if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
            const std::string_view name = text.substr(1, text.size() - 2);
            if (name.empty() || name.find_first_of("{}") != std::string_view::npos || !names.emplace(name).second) {
                throw std::invalid_argument("bad parameter segment '" + std::string(text) + "' in route '" +
                                            std::string(pattern) + "'");
            }
            route.segments.push_back(Segment{std::string(name), true});
        } else {
            if (text.empty() || text.find_first_of("{}") != std::string_view::npos) {
                throw std::invalid_argument("bad segment '" + std::string(text) + "' in route '" +
                                            std::string(pattern) + "'");
            }
            route.segments.push_back(Segment{std::string(text), false});
        }
        if (slash == std::string_view::npos) {
            break;
        }
        rest = rest.substr(slash + 1);
    }
    for (const Route& existing : routes_) {
        if (existing.method != route.method || existing.segments.size() != route.segments.size()) {
            continue;
        }
        const bool same_shape = std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                                           [](const Segment& a, const Segment& b) {
                                               return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                                           });
        if (same_shape) {
            throw std::invalid_argument("route " + route.method + " " + route.pattern + " conflicts with " +
                                        existing.method + " " + existing.pattern);
        }
    }
    routes_.push_back(std::move(route));
    return routes_.size() - 1;
}

bool Router::Matches(const Route& route, const std::vector<std::string>& segments) {
    if (route.segments.size() != segments.size()) {
        return false;
    }
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Segment& expected = route.segments[i];
        if (expected.is_param ? segments[i].empty() : expected.text != segments[i]) {
            return false;
        }
    }
    return true;
}

bool Router::MoreSpecific(const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
        if (a.segments[i].is_param != b.segments[i].is_param) {
            return !a.segments[i].is_param;
        }
    }
    return false;
}

std::optional<std::size_t> Router::FindForMethod(std::string_view method,
                                                 const std::vector<std::string>& segments) const {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (routes_[i].method == method && Matches(routes_[i], segments) &&
            (!best || MoreSpecific(routes_[i], routes_[*best]))) {
            best = i;
        }
    }
    return best;
}

Router::Match Router::Find(std::string_view method, const std::vector<std::string>& segments) const {
    Match match;
    std::optional<std::size_t> found = FindForMethod(method, segments);
    if (!found && method == "HEAD") {
        found = FindForMethod("GET", segments);
    }
    if (found) {
        match.outcome = Outcome::kFound;
        match.route = *found;
        const Route& route = routes_[*found];
        for (std::size_t i = 0; i < segments.size(); ++i) {
            if (route.segments[i].is_param) {
                match.params.emplace_back(route.segments[i].text, segments[i]);
            }
        }
        return match;
    }
    std::set<std::string> allowed;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
        if (!Matches(routes_[i], segments)) {
            continue;
        }
        allowed.insert(routes_[i].method);
        if (routes_[i].method == "GET") {
            allowed.insert("HEAD");
        }
        if (!best || MoreSpecific(routes_[i], routes_[*best])) {
            best = i;
        }
    }
    if (!best) {
        return match;
    }
    match.outcome = Outcome::kMethodNotAllowed;
    match.route = *best;
    for (const std::string& name : allowed) {
        if (!match.allow.empty()) {
            match.allow += ", ";
        }
        match.allow += name;
    }
    return match;
}

}  // namespace cosmic::telemetry::detail
