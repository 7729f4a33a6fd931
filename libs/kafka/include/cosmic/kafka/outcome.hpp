#pragma once
/// What a handler tells the runner (DESIGN.md §6), and the exceptions that map to it.

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace cosmic::kafka {

enum class Outcome : std::uint8_t {
    /// Handled: the offset is stored (committed with the next auto-commit).
    kOk,
    /// Try again in place after a backoff; only this partition waits. After the policy's
    /// max attempts the record is dead-lettered.
    kRetry,
    /// Never going to work: send to `<topic>.dlq`, then store the offset.
    kDeadLetter,
};

/// "ok", "retry", "dead_letter" (the metric label values).
std::string_view ToString(Outcome outcome) noexcept;

/// A handler throws this for a transient failure (store busy, downstream down): same as
/// returning Outcome::kRetry, and the message becomes the dlq.error.message if retries run out.
class RetryableError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A handler throws this when the record can never be handled: dead-lettered at once with the
/// message as dlq.error.message.
class PermanentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace cosmic::kafka
