#pragma once
/// The canonical byte encoding of an audit record and the hash-chain step over it. This is the
/// part an external auditor re-implements to verify a database (see README.md "Verifying").
///
/// Encoding (version 1): a fixed sequence of fields, each either
///   - a string: 4-byte big-endian length, then the bytes, or
///   - an integer: 8-byte big-endian two's complement.
/// in this order:
///   "cosmic-audit-record/v1" (string), topic (string), partition (int), offset (int),
///   valid (int 0/1), violation (string), raw (string), event_id, event_type, occurred_at (strings),
///   occurred_at_ms (int), source, correlation_id, user_id, resource_id, job_id, action,
///   payload (strings).
/// Every field is always present and length-prefixed, so no two different records share an
/// encoding.
///
/// row hash = SHA-256(previous row hash (32 bytes) || canonical bytes); the first row of a
/// (topic, partition) chain uses 32 zero bytes as its previous hash.

#include <string>

#include "cosmic/audit/audit_record.hpp"
#include "cosmic/audit/sha256.hpp"

namespace cosmic::audit {

inline constexpr std::string_view kCanonicalTag = "cosmic-audit-record/v1";

/// Appends the canonical bytes of `record` to `out` (cleared first).
void EncodeCanonical(const AuditRecord& record, std::string& out);

/// Computes chain hashes with a reused buffer and digest context (one per thread).
class ChainHasher {
  public:
    /// SHA-256(prev || canonical(record)).
    Hash RowHash(const Hash& prev, const AuditRecord& record);

  private:
    std::string buffer_;
    Sha256 sha_;
};

}  // namespace cosmic::audit
