#pragma once
/// One consumed Kafka record as the audit store keeps it: the envelope fields an auditor queries
/// by, where it came from (topic, partition, offset), and — for records that failed validation —
/// the violation and the raw bytes exactly as received.

#include <cstdint>
#include <string>

#include "cosmic/audit/sha256.hpp"

namespace cosmic::audit {

struct AuditRecord {
    // Where the record came from; (topic, partition, offset) is its identity in the store.
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t kafka_timestamp_ms = 0;  ///< Kafka message timestamp (informational, not hashed)

    bool valid = true;
    std::string violation;  ///< "field: reason" when !valid
    std::string raw;        ///< the message value byte-for-byte when !valid (empty for valid rows)

    // Envelope fields; for invalid records whatever could be read from the raw JSON.
    std::string event_id;
    std::string event_type;
    std::string occurred_at;          ///< as on the wire
    std::int64_t occurred_at_ms = 0;  ///< retention clock: occurred_at, else the Kafka timestamp
    std::string source;
    std::string correlation_id;
    std::string user_id;
    std::string resource_id;
    std::string job_id;
    std::string action;   ///< "CREATE", "STATE_CHANGE", "ALERT", ...
    std::string payload;  ///< minified JSON object text ("" for invalid records)

    /// Resets every field, keeping string capacity (records are reused per batch).
    void Clear();
};

/// A record as stored: the record plus its place in the table and in its chain.
struct StoredRecord {
    std::int64_t row_id = 0;
    AuditRecord record;
    std::int64_t ingested_at_ms = 0;
    Hash prev_hash{};
    Hash hash{};
};

}  // namespace cosmic::audit
