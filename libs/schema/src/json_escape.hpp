#pragma once
/// JSON string escaping shared by the writer and the parser's payload re-encoding.

#include <cstddef>
#include <string>
#include <string_view>

namespace cosmic::schema::detail {

/// Appends `value` as a quoted JSON string: `"` and `\` are backslash-escaped, control characters
/// become \u00XX, and each maximal invalid UTF-8 subsequence becomes U+FFFD (Unicode §3.9).
void AppendJsonString(std::string& out, std::string_view value);

/// Number of Unicode code points in valid UTF-8 text (counts lead bytes).
std::size_t CodePointCount(std::string_view utf8) noexcept;

}  // namespace cosmic::schema::detail
