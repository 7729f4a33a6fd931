#pragma once
/// Percent-decoding for paths and query strings.

#include <optional>
#include <string>
#include <string_view>

namespace cosmic::telemetry::detail {

/// Decodes %XX escapes (and '+' as space when `plus_is_space`, as in query strings).
/// nullopt for a malformed escape, so a bad request can be told from a literal '%'.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace cosmic::telemetry::detail
