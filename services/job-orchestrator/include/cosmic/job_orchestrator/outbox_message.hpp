#pragma once
/// Outbox rows: what a state change writes beside the job (one serialized event each) and what
/// the relay reads back to publish. Rows keep the exact bytes, topic, key and headers, so a
/// republish after a crash sends the same record with the same event_id.

#include <cstdint>
#include <string>
#include <string_view>

#include "cosmic/kafka/headers.hpp"

namespace cosmic::orchestrator {

/// A row to write.
struct OutboxMessage {
    std::string job_id;  ///< the per-job sequence is kept per job_id
    std::string topic;
    std::string key;
    std::string event_id;
    std::string event_type;
    std::string value;    ///< the serialized envelope
    std::string headers;  ///< EncodeHeaders() bytes
};

/// A pending row read back by the relay.
struct OutboxRow {
    std::int64_t id = 0;  ///< strictly increasing in commit order
    std::string job_id;
    std::int64_t seq = 0;  ///< 1, 2, ... per job, in commit order
    std::string topic;
    std::string key;
    std::string event_id;
    std::string value;
    std::string headers;
    std::int64_t created_at_ms = 0;
};

/// Length-prefixed encoding of a header list (names and values may hold any bytes).
void EncodeHeaders(const kafka::Headers& headers, std::string& out);
/// Decodes into `out`, reusing its strings' capacity. Returns false for malformed bytes.
bool DecodeHeaders(std::string_view bytes, kafka::Headers& out);

}  // namespace cosmic::orchestrator
