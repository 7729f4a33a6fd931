#include "cosmic/schema/writer.hpp"

#include <charconv>
#include <cmath>

#include "json_escape.hpp"

namespace cosmic::schema {

JsonWriter::JsonWriter(std::string& out) : out_(out) {}

void JsonWriter::Separate() {
    if (need_comma_) {
        out_.push_back(',');
    }
}

JsonWriter& JsonWriter::BeginObject() {
    Separate();
    out_.push_back('{');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::EndObject() {
    out_.push_back('}');
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::BeginArray() {
    Separate();
    out_.push_back('[');
    need_comma_ = false;
    return *this;
}

JsonWriter& JsonWriter::EndArray() {
    out_.push_back(']');
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
    Separate();
    detail::AppendJsonString(out_, key);
    out_.push_back(':');
    need_comma_ = false;  // the value follows the colon directly
    return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
    Separate();
    detail::AppendJsonString(out_, value);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
    Separate();
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, result.ptr);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Uint(std::uint64_t value) {
    Separate();
    char buf[24];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, result.ptr);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Double(double value) {
    if (!std::isfinite(value)) {
        return Null();  // JSON has no NaN or infinity
    }
    Separate();
    // Shortest representation that reads back to the same double.
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out_.append(buf, result.ptr);
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
    Separate();
    out_.append(value ? "true" : "false");
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Null() {
    Separate();
    out_.append("null");
    need_comma_ = true;
    return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
    Separate();
    out_.append(json);
    need_comma_ = true;
    return *this;
}

}  // namespace cosmic::schema
