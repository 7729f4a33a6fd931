#pragma once
/// JSON views of stored rows, verification results and the compliance report (the API's
/// response bodies).

#include <string>

#include "cosmic/audit/audit_store.hpp"

namespace cosmic::audit {

/// {"events":[...],"next_cursor":"..."|null}
std::string PageJson(const QueryPage& page);
/// {"ok","rows_checked","partitions_checked","checkpoints_checked","seconds","rows_per_second",
///  "first_bad":{topic,partition,offset,row_id,reason,detail}|null,"failures":[...]}
std::string VerifyJson(const VerifyReport& report);
/// The compliance report, timestamps in RFC 3339.
std::string ReportJson(const ComplianceReport& report);

/// Standard base64 (with padding), for raw bytes of invalid records.
std::string Base64(std::string_view bytes);

}  // namespace cosmic::audit
