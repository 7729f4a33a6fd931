#pragma once
/// JSON views of stored rows, verification results and the compliance report (the API's
/// response bodies).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "cosmic/audit/audit_store.hpp"

namespace cosmic::audit {

/// {"events":[...],"next_cursor":"..."|null}
std::string PageJson(const QueryPage& page);

/// Bounds on one page of rows in bytes (rows alone bound nothing: an invalid record keeps up
/// to a whole Kafka message as raw bytes).
struct PageBudget {
    std::size_t max_bytes = 4 * 1024 * 1024;  ///< the page stops before a row that would pass it
    std::size_t max_raw_bytes = 16 * 1024;    ///< raw bytes shown per invalid row; more = truncated
};

/// Builds {"events":[...],"next_cursor":...} a row at a time within a budget. A row whose raw
/// bytes are cut carries "raw_truncated":true and "raw_bytes" (the full size).
class PageWriter {
  public:
    explicit PageWriter(PageBudget budget);
    /// Appends `row` unless it would take the page past max_bytes (the first row always fits);
    /// false when it was left out, and the page is then full.
    bool Add(const StoredRecord& row);
    std::size_t Rows() const { return rows_; }
    std::string Finish(std::optional<std::int64_t> next_cursor);

  private:
    PageBudget budget_;
    std::string out_;
    std::string row_;
    std::size_t rows_ = 0;
};

/// One row with all of its raw bytes.
std::string RowJson(const StoredRecord& row);
/// {"ok","rows_checked","partitions_checked","checkpoints_checked","seconds","rows_per_second",
///  "first_bad":{topic,partition,offset,row_id,reason,detail}|null,"failures":[...]}
std::string VerifyJson(const VerifyReport& report);
/// The compliance report, timestamps in RFC 3339.
std::string ReportJson(const ComplianceReport& report);

/// Standard base64 (with padding), for raw bytes of invalid records.
std::string Base64(std::string_view bytes);

}  // namespace cosmic::audit
