#pragma once
/// Parse + validate wire bytes into an Event. Never throws on bad input; returns the first
/// violation (field, reason) instead. One Parser per thread: it owns a reused simdjson parser
/// and a padded buffer.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {

struct Violation {
    std::string field;             ///< JSON path of the offending field ("payload.cpu_percent"), or "" for the document
    std::string reason;            ///< "missing", "expected string", "invalid UTF-8", ...
    std::string ToString() const;  ///< "payload.cpu_percent: expected number"
};

struct ParserOptions {
    std::size_t max_message_bytes = std::size_t{1024} * 1024;
    std::size_t max_payload_bytes = std::size_t{64} * 1024;
    std::size_t max_depth = 32;
};

class Parser {
  public:
    explicit Parser(ParserOptions options = {});
    ~Parser();
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;
    Parser(Parser&&) noexcept;
    Parser& operator=(Parser&&) noexcept;

    /// Parses and validates `bytes` as an event of `topic`, filling `out` in place.
    /// Returns nullopt on success, otherwise the violation (and `out` is unspecified).
    std::optional<Violation> Parse(TopicId topic, std::string_view bytes, Event& out);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::schema
