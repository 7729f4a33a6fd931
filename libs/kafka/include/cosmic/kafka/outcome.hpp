#pragma once
/// What a handler tells the runner (DESIGN.md §6): Ok, Retry with its reason, or DeadLetter with
/// an error class and a reason. Routine bad input is a returned DeadLetter, not an exception:
///
///     if (auto violation = Validate(event)) {
///         return kafka::Outcome::DeadLetter("invalid_sample", violation->ToString());
///     }
///     return kafka::Outcome::Ok();
///
/// The exceptions below stay for what is truly exceptional (a failure deep in a call stack that
/// cannot return an outcome); they map to the same outcomes.

#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cosmic::kafka {

class Outcome {
  public:
    enum class Kind : std::uint8_t {
        /// Handled: the offset is stored (committed with the next auto-commit).
        kOk,
        /// Try again in place after a backoff; only this partition waits. After the policy's
        /// max attempts the record is dead-lettered (dlq.error.class=retries_exhausted, the last
        /// reason as dlq.error.message).
        kRetry,
        /// Never going to work: send to `<topic>.dlq` at once, then store the offset.
        kDeadLetter,
    };

    /// Handled. Allocates nothing: the runner's hot path gets one per record.
    static Outcome Ok() noexcept { return Outcome(Kind::kOk); }
    /// A failure that can heal (store busy, disk full, downstream down). `reason` is logged
    /// (rate-limited) and becomes dlq.error.message if the retries run out.
    static Outcome Retry(std::string reason);
    /// The record can never be handled: dead-lettered at once. `error_class` becomes
    /// dlq.error.class (a short snake_case token such as "invalid_sample"; empty means
    /// "dead_letter"), `reason` dlq.error.message (cut to 1 KiB on a UTF-8 boundary).
    static Outcome DeadLetter(std::string error_class, std::string reason);

    /// The outcomes without a reason (the runner then writes a generic one), as constants.
    static const Outcome kOk;
    static const Outcome kRetry;
    static const Outcome kDeadLetter;

    Kind GetKind() const noexcept { return kind_; }
    bool IsOk() const noexcept { return kind_ == Kind::kOk; }
    bool IsRetry() const noexcept { return kind_ == Kind::kRetry; }
    bool IsDeadLetter() const noexcept { return kind_ == Kind::kDeadLetter; }
    /// The dead letter's class as given (empty for Ok and Retry).
    const std::string& ErrorClass() const noexcept { return error_class_; }
    /// Why the record was not handled, as given (empty for Ok).
    const std::string& Reason() const noexcept { return reason_; }

    /// Outcomes compare by kind: the reason is commentary, so `outcome == Outcome::kRetry` holds
    /// for every retry whatever its reason.
    friend bool operator==(const Outcome& a, const Outcome& b) noexcept { return a.kind_ == b.kind_; }

  private:
    explicit Outcome(Kind kind) noexcept : kind_(kind) {}

    Kind kind_;
    std::string error_class_;
    std::string reason_;
};

inline const Outcome Outcome::kOk{Kind::kOk};
inline const Outcome Outcome::kRetry{Kind::kRetry};
inline const Outcome Outcome::kDeadLetter{Kind::kDeadLetter};

/// "ok", "retry", "dead_letter" (the metric label values).
std::string_view ToString(Outcome::Kind kind) noexcept;
inline std::string_view ToString(const Outcome& outcome) noexcept { return ToString(outcome.GetKind()); }
/// "ok", "retry(reason)", "dead_letter(class: reason)": for test failure messages and logs.
std::ostream& operator<<(std::ostream& out, const Outcome& outcome);

/// A handler throws this for a transient failure it cannot return (deep in a call stack): same
/// as returning Outcome::Retry(what()).
class RetryableError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A handler throws this when the record can never be handled and it cannot return the outcome:
/// same as returning Outcome::DeadLetter("permanent_error", what()).
class PermanentError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace cosmic::kafka
