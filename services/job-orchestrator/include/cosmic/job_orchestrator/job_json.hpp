#pragma once
/// The API's JSON: jobs out, request bodies in. Bodies are parsed with simdjson and checked
/// field by field; the first problem comes back as (field, reason) for a 400.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/job_validation.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::orchestrator {

/// The job object of DESIGN.md §7 (status lower case, times RFC 3339); `parameters` only when
/// `with_parameters` (single-job responses; the list leaves them out to stay small).
void WriteJob(schema::JsonWriter& writer, const Job& job, bool with_parameters);
std::string JobJson(const Job& job, bool with_parameters = true);
/// {"jobs": [...], "next_cursor": str|null}
std::string JobListJson(const JobPage& page);

/// A parsed body, or the first field that is wrong.
template <class T>
struct Parsed {
    T value{};
    std::optional<FieldError> error;
};

/// POST /api/v1/jobs: {"name", "kind", "parameters"?, "priority"?}. Unknown fields are ignored;
/// so is a "user_id" (the owner always comes from the token).
Parsed<SubmitRequest> ParseSubmitBody(std::string_view body);

struct CompleteBody {
    std::optional<std::int64_t> execution_time_ms;
};
struct FailBody {
    std::string error;
    std::string error_code;
    std::optional<std::int64_t> execution_time_ms;
};
struct CancelBody {
    std::optional<std::string> reason;
};

/// An empty body reads as {} for these three.
Parsed<CompleteBody> ParseCompleteBody(std::string_view body);
Parsed<FailBody> ParseFailBody(std::string_view body);
Parsed<CancelBody> ParseCancelBody(std::string_view body);

/// The list cursor: an opaque string for a store position.
std::string EncodeCursor(std::int64_t position);
std::optional<std::int64_t> DecodeCursor(std::string_view cursor);

}  // namespace cosmic::orchestrator
