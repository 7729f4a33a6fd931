#pragma once
/// Parsed JSON for assertions on API responses and topic records (simdjson DOM).

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cosmic::e2e {

/// A parsed document; elements taken from Root() live as long as the JsonDoc.
class JsonDoc {
  public:
    /// Throws std::runtime_error quoting the text when it is not JSON.
    explicit JsonDoc(std::string_view text);
    JsonDoc(const JsonDoc&) = delete;
    JsonDoc& operator=(const JsonDoc&) = delete;

    simdjson::dom::element Root() const { return root_; }

  private:
    simdjson::dom::parser parser_;
    simdjson::dom::element root_;
};

/// A string field of an object; nullopt when absent, null or not a string.
std::optional<std::string> StringField(simdjson::dom::element object, std::string_view key);
/// An integer field of an object; nullopt when absent or not an integer.
std::optional<std::int64_t> IntField(simdjson::dom::element object, std::string_view key);
/// A boolean field of an object; nullopt when absent or not a boolean.
std::optional<bool> BoolField(simdjson::dom::element object, std::string_view key);

}  // namespace cosmic::e2e
