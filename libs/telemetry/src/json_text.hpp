#pragma once
/// JSON string escaping shared by the log formatter and the HTTP error bodies.

#include <string>
#include <string_view>

namespace cosmic::telemetry::detail {

/// Appends `text` as a quoted JSON string. Quotes, backslashes and control characters are
/// escaped; bytes that are not valid UTF-8 become U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

/// True when `text` is well-formed UTF-8 (RFC 3629).
bool IsValidUtf8(std::string_view text);

/// `text` as a quoted JSON string (see AppendJsonString).
std::string JsonString(std::string_view text);

}  // namespace cosmic::telemetry::detail
