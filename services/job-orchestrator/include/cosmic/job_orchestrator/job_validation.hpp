#pragma once
/// The rules a job request must satisfy, shared by the REST API and the job-commands handler so
/// both reject the same things with the same (field, reason).

#include <optional>
#include <string>
#include <string_view>

#include "cosmic/job_orchestrator/job_service.hpp"

namespace cosmic::orchestrator {

inline constexpr std::size_t kMaxNameCodePoints = 200;
inline constexpr std::size_t kMaxKindBytes = 64;
inline constexpr std::size_t kMaxParametersBytes = 64 * 1024;
inline constexpr int kMinPriority = 0;
inline constexpr int kMaxPriority = 9;
inline constexpr int kDefaultPriority = 5;
inline constexpr std::size_t kMaxErrorBytes = 4096;
inline constexpr std::size_t kMaxErrorCodeBytes = 128;
inline constexpr std::size_t kMaxReasonBytes = 1024;
inline constexpr std::size_t kMaxIdempotencyKeyBytes = 200;
inline constexpr std::size_t kMaxCorrelationIdBytes = 200;
inline constexpr std::size_t kMaxJobIdBytes = 128;

/// A rejected field: "name" + "must be 1-200 characters".
struct FieldError {
    std::string field;
    std::string reason;
    std::string ToString() const { return field + ": " + reason; }
};

/// Unicode code points in valid UTF-8 text.
std::size_t CodePoints(std::string_view utf8) noexcept;

/// Checks name, kind, parameters size and priority (and a client-chosen job_id).
std::optional<FieldError> ValidateSubmit(const SubmitRequest& request);
/// 1-200 visible ASCII characters (headers and ids that travel in headers and keys).
bool IsToken(std::string_view text, std::size_t max_bytes) noexcept;

}  // namespace cosmic::orchestrator
