#include "cosmic/job_orchestrator/job_validation.hpp"

namespace cosmic::orchestrator {

std::size_t CodePoints(std::string_view utf8) noexcept {
    std::size_t count = 0;
    for (const char c : utf8) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++count;
    }
    return count;
}

bool IsToken(std::string_view text, std::size_t max_bytes) noexcept {
    if (text.empty() || text.size() > max_bytes) return false;
    for (const char c : text) {
        if (c < 0x21 || c > 0x7e) return false;
    }
    return true;
}

std::optional<FieldError> ValidateSubmit(const SubmitRequest& request) {
    if (!request.job_id.empty() && !IsToken(request.job_id, kMaxJobIdBytes)) {
        return FieldError{"job_id", "must be 1-128 visible ASCII characters"};
    }
    const std::size_t name_length = CodePoints(request.name);
    if (name_length < 1 || name_length > kMaxNameCodePoints) {
        return FieldError{"name", "must be 1-200 characters"};
    }
    if (request.kind.empty() || request.kind.size() > kMaxKindBytes) {
        return FieldError{"kind", "must be 1-64 characters"};
    }
    for (const char c : request.kind) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-' || c == '.';
        if (!ok) return FieldError{"kind", "may contain only letters, digits, '_', '-' and '.'"};
    }
    if (request.parameters.size() > kMaxParametersBytes) {
        return FieldError{"parameters", "must be at most 65536 bytes of JSON"};
    }
    if (request.priority < kMinPriority || request.priority > kMaxPriority) {
        return FieldError{"priority", "must be an integer 0-9"};
    }
    return std::nullopt;
}

}  // namespace cosmic::orchestrator
