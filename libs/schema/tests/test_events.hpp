#pragma once
/// Valid sample events and a small JSON field editor for the schema tests.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema::testing {

/// A valid event of `event_type` on `topic` with every field the type defines set to a non-default value.
Event MakeValidEvent(TopicId topic, std::string_view event_type);

/// Every (topic, event_type) pair of the topic table.
std::vector<std::pair<TopicId, std::string_view>> AllEventTypes();

/// Expects every field of two events to be equal (gtest assertions).
void ExpectSameEvent(const Event& expected, const Event& actual);

/// A JSON object as an ordered list of (key, raw JSON value), so tests can drop or replace one field.
class JsonFields {
  public:
    /// Splits a JSON object (e.g. Serialize output); fails the test when it is not one.
    explicit JsonFields(std::string_view object_json);
    JsonFields& Set(std::string_view key, std::string_view raw_value);  ///< replaces or appends
    JsonFields& Remove(std::string_view key);
    /// Replaces one field of the nested object at `key` (e.g. a payload field).
    JsonFields& SetIn(std::string_view key, std::string_view inner_key, std::string_view raw_value);
    JsonFields& RemoveIn(std::string_view key, std::string_view inner_key);
    std::string Get(std::string_view key) const;
    std::string Render() const;

  private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

/// The serialized form of MakeValidEvent(topic, event_type) as editable fields.
JsonFields ValidFields(TopicId topic, std::string_view event_type);

}  // namespace cosmic::schema::testing
