#pragma once
/// Turns what the consumer runner hands over (a parsed event or a violation, plus the bytes and
/// where they came from) into the row the audit store keeps. Invalid records keep their raw
/// bytes and violation; whatever envelope fields can still be read are filled in so auditors can
/// find them by resource, user or action.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "cosmic/audit/audit_record.hpp"
#include "cosmic/kafka/delivery.hpp"

namespace cosmic::audit {

class RecordMapper {
  public:
    /// Longest value copied into a queryable column from an invalid record (the raw bytes are
    /// always kept whole).
    static constexpr std::size_t kMaxExtractedField = 1024;

    RecordMapper();
    ~RecordMapper();
    RecordMapper(const RecordMapper&) = delete;
    RecordMapper& operator=(const RecordMapper&) = delete;

    /// Fills `out` (cleared first). `now_ms` is the retention clock of last resort, for an
    /// invalid record with neither a readable occurred_at nor a Kafka timestamp.
    void Map(const kafka::Record& in, std::int64_t now_ms, AuditRecord& out);

  private:
    static void MapValid(const schema::Event& event, AuditRecord& out);
    void MapInvalid(const schema::Violation& violation, std::string_view value, AuditRecord& out);

    struct Impl;  ///< the reused JSON parser
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::audit
