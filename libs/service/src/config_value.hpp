#pragma once
// Conversions between text, typed values and their printed form, shared by the schema, the
// file and environment loaders and --help.

#include <string>
#include <string_view>

#include "cosmic/service/config.hpp"

namespace cosmic::service::detail {

/// Parses an environment value (or a string from the file) into the key's type and checks its
/// constraints; throws ConfigError(key.name, source, ...).
ConfigValue ParseText(const ConfigKey& key, std::string_view text, const std::string& source);

/// Checks type, range and choices of an already typed value; throws ConfigError.
void CheckValue(const ConfigKey& key, const ConfigValue& value, const std::string& source);

/// The value as an operator would write it ("8080", "true", "10000", "a,b"); "<redacted>" for
/// secrets.
std::string FormatValue(const ConfigKey& key, const ConfigValue& value);

/// The value as text regardless of secrecy.
std::string FormatRaw(const ConfigValue& value);

/// The value quoted for an error message, or "(value hidden)" for secrets.
std::string QuoteForError(const ConfigKey& key, std::string_view text);

/// True when `value` holds the alternative that `type` uses.
bool HoldsType(ConfigType type, const ConfigValue& value);

std::string_view TrimAscii(std::string_view text);

}  // namespace cosmic::service::detail
