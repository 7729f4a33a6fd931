#pragma once
/// What a handler learns about the record it handles: where it came from (topic, partition,
/// offset, timestamp, key, headers) and which attempt this is. Views are valid during the
/// handler call only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/kafka/headers.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"

namespace cosmic::kafka {

struct Delivery {
    std::string_view topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    /// Kafka record timestamp (epoch ms), -1 when the record has none.
    std::int64_t timestamp_ms = -1;
    /// nullopt for a null key.
    std::optional<std::string_view> key;
    HeaderView headers;
    /// 1 on the first call, 2 on the first retry, ...
    int attempt = 1;

    /// The traceparent header, empty when absent.
    std::string_view Traceparent() const;
    /// The traceparent for records produced while handling this one: same trace, new span
    /// (a new trace when the header is absent or malformed).
    std::string ChildTraceparent() const;
};

/// A record as bytes (for OnInvalid hooks and batch handlers).
struct RawRecord {
    Delivery from;
    std::string_view value;
};

/// One record of a batch: the parsed event, or the violation that made it invalid.
struct Record {
    Delivery from;
    std::string_view value;
    /// Null when the record is invalid.
    const schema::Event* event = nullptr;
    /// Null when the record is valid.
    const schema::Violation* violation = nullptr;
};

}  // namespace cosmic::kafka
