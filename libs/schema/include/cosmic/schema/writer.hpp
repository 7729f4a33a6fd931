#pragma once
/// JSON output that is valid by construction (escaping, UTF-8, finite numbers).

#include <cstdint>
#include <string>
#include <string_view>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {

/// Streaming JSON writer into a caller-owned (reusable) string. Commas are inserted for you.
class JsonWriter {
  public:
    explicit JsonWriter(std::string& out);
    JsonWriter& BeginObject();
    JsonWriter& EndObject();
    JsonWriter& BeginArray();
    JsonWriter& EndArray();
    JsonWriter& Key(std::string_view key);
    JsonWriter& String(std::string_view value);  ///< escapes; invalid UTF-8 becomes U+FFFD
    JsonWriter& Int(std::int64_t value);
    JsonWriter& Uint(std::uint64_t value);
    JsonWriter& Double(double value);  ///< NaN/Inf are written as null
    JsonWriter& Bool(bool value);
    JsonWriter& Null();
    /// Inserts already-valid JSON text (e.g. a payload that came from the parser).
    JsonWriter& Raw(std::string_view json);

  private:
    void Separate();
    std::string& out_;
    bool need_comma_ = false;
};

/// Serializes an event as its wire envelope into `out` (cleared first).
void Serialize(const Event& event, std::string& out);
std::string Serialize(const Event& event);

}  // namespace cosmic::schema
