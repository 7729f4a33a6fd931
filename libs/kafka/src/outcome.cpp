#include "cosmic/kafka/outcome.hpp"

#include <ostream>
#include <utility>

namespace cosmic::kafka {

Outcome Outcome::Retry(std::string reason) {
    Outcome outcome(Kind::kRetry);
    outcome.reason_ = std::move(reason);
    return outcome;
}

Outcome Outcome::DeadLetter(std::string error_class, std::string reason) {
    Outcome outcome(Kind::kDeadLetter);
    outcome.error_class_ = std::move(error_class);
    outcome.reason_ = std::move(reason);
    return outcome;
}

std::string_view ToString(Outcome::Kind kind) noexcept {
    switch (kind) {
        case Outcome::Kind::kOk:
            return "ok";
        case Outcome::Kind::kRetry:
            return "retry";
        case Outcome::Kind::kDeadLetter:
            return "dead_letter";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& out, const Outcome& outcome) {
    out << ToString(outcome);
    if (outcome.IsOk()) {
        return out;
    }
    out << '(';
    if (!outcome.ErrorClass().empty()) {
        out << outcome.ErrorClass() << ": ";
    }
    return out << outcome.Reason() << ')';
}

}  // namespace cosmic::kafka
