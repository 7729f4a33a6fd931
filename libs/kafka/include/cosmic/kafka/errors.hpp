#pragma once
/// Kafka errors as values: librdkafka's code, its name and text, and whether a retry can help or
/// the client is dead (fatal idempotence/transaction state). Also a std::error_code category so
/// a librdkafka code can travel through code that speaks std::error_code.

#include <librdkafka/rdkafka.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace cosmic::kafka {

/// The "librdkafka" error category: value() is an rd_kafka_resp_err_t, message() its text.
const std::error_category& KafkaCategory() noexcept;
std::error_code MakeErrorCode(rd_kafka_resp_err_t code) noexcept;

/// True for codes where the same request may succeed later (broker down, leader moving, timeout,
/// local queue full, ...). Used when librdkafka gives a bare code without an rd_kafka_error_t.
bool IsRetriable(rd_kafka_resp_err_t code) noexcept;

/// A librdkafka error or "no error". Cheap to copy when there is no error.
class KafkaError {
public:
    /// No error.
    KafkaError() = default;
    /// `message` defaults to rd_kafka_err2str(code); retriability from IsRetriable(code).
    explicit KafkaError(rd_kafka_resp_err_t code, std::string message = {});
    KafkaError(rd_kafka_resp_err_t code, std::string message, bool retriable, bool fatal);

    /// Takes ownership of `error` (may be null = no error) and destroys it.
    static KafkaError Consume(rd_kafka_error_t* error);
    /// The underlying fatal error of a handle (after RD_KAFKA_RESP_ERR__FATAL was reported), or
    /// no error when the handle is not in a fatal state.
    static KafkaError FatalOf(rd_kafka_t* handle);

    /// True when this is an error.
    explicit operator bool() const noexcept { return code_ != RD_KAFKA_RESP_ERR_NO_ERROR; }
    rd_kafka_resp_err_t Code() const noexcept { return code_; }
    std::error_code ErrorCode() const noexcept { return MakeErrorCode(code_); }
    /// librdkafka's symbolic name without prefix: "MSG_TIMED_OUT", "_QUEUE_FULL", "NO_ERROR".
    std::string_view Name() const noexcept;
    const std::string& Message() const noexcept { return message_; }
    bool Retriable() const noexcept { return retriable_; }
    /// The client instance cannot continue (e.g. idempotent producer lost its sequence state):
    /// it must be recreated; retrying on it is pointless.
    bool Fatal() const noexcept { return fatal_; }
    /// "Name: message" (or "NO_ERROR").
    std::string ToString() const;

private:
    rd_kafka_resp_err_t code_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string message_;
    bool retriable_ = false;
    bool fatal_ = false;
};

/// Thrown where a result value is not possible (constructors, Start()).
class KafkaException : public std::runtime_error {
public:
    explicit KafkaException(KafkaError error);
    const KafkaError& Error() const noexcept { return error_; }

private:
    KafkaError error_;
};

}  // namespace cosmic::kafka

template <>
struct std::is_error_code_enum<rd_kafka_resp_err_t> : std::true_type {};

/// Found by ADL-free lookup through is_error_code_enum: std::error_code ec = RD_KAFKA_RESP_ERR__TRANSPORT;
std::error_code make_error_code(rd_kafka_resp_err_t code) noexcept;
