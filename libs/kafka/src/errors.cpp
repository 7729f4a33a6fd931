#include "cosmic/kafka/errors.hpp"

#include <utility>

namespace cosmic::kafka {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "librdkafka"; }
    std::string message(int value) const override {
        return rd_kafka_err2str(static_cast<rd_kafka_resp_err_t>(value));
    }
};

}  // namespace

const std::error_category& KafkaCategory() noexcept {
    static const Category category;
    return category;
}

std::error_code MakeErrorCode(rd_kafka_resp_err_t code) noexcept {
    return {static_cast<int>(code), KafkaCategory()};
}

bool IsRetriable(rd_kafka_resp_err_t code) noexcept {
    // Local transient conditions plus the broker errors Kafka itself marks as retriable.
    switch (code) {
        case RD_KAFKA_RESP_ERR__TRANSPORT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
        case RD_KAFKA_RESP_ERR__RESOLVE:
        case RD_KAFKA_RESP_ERR__WAIT_COORD:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
        case RD_KAFKA_RESP_ERR__PARTIAL:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
        case RD_KAFKA_RESP_ERR_INVALID_FETCH_SESSION_EPOCH:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
        case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
            return true;
        default:
            return false;
    }
}

KafkaError::KafkaError(rd_kafka_resp_err_t code, std::string message)
    : KafkaError(code, std::move(message), IsRetriable(code), code == RD_KAFKA_RESP_ERR__FATAL) {}

KafkaError::KafkaError(rd_kafka_resp_err_t code, std::string message, bool retriable, bool fatal)
    : code_(code), message_(std::move(message)), retriable_(retriable), fatal_(fatal) {
    if (message_.empty() && code_ != RD_KAFKA_RESP_ERR_NO_ERROR) {
        message_ = rd_kafka_err2str(code_);
    }
}

KafkaError KafkaError::Consume(rd_kafka_error_t* error) {
    if (error == nullptr) {
        return {};
    }
    KafkaError result(rd_kafka_error_code(error), rd_kafka_error_string(error),
                      rd_kafka_error_is_retriable(error) != 0, rd_kafka_error_is_fatal(error) != 0);
    rd_kafka_error_destroy(error);
    return result;
}

KafkaError KafkaError::FatalOf(rd_kafka_t* handle) {
    char text[512];
    const rd_kafka_resp_err_t code = rd_kafka_fatal_error(handle, text, sizeof(text));
    if (code == RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};
    }
    return KafkaError(code, text, false, true);
}

std::string_view KafkaError::Name() const noexcept {
    return rd_kafka_err2name(code_);
}

std::string KafkaError::ToString() const {
    if (!*this) {
        return "NO_ERROR";
    }
    std::string text(Name());
    text += ": ";
    text += message_;
    if (fatal_) {
        text += " (fatal)";
    }
    return text;
}

KafkaException::KafkaException(KafkaError error) : std::runtime_error(error.ToString()), error_(std::move(error)) {}

}  // namespace cosmic::kafka

std::error_code make_error_code(rd_kafka_resp_err_t code) noexcept {
    return cosmic::kafka::MakeErrorCode(code);
}
