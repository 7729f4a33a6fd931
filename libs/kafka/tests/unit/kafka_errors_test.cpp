#include <gtest/gtest.h>

#include <system_error>

#include "cosmic/kafka/errors.hpp"
#include "cosmic/kafka/outcome.hpp"

namespace cosmic::kafka {
namespace {

TEST(KafkaErrorTest, DefaultIsNoError) {
    const KafkaError error;
    EXPECT_FALSE(error);
    EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(error.ToString(), "NO_ERROR");
}

TEST(KafkaErrorTest, KeepsCodeNameAndText) {
    const KafkaError error(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
    EXPECT_TRUE(error);
    EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR__MSG_TIMED_OUT);
    EXPECT_EQ(error.Name(), "_MSG_TIMED_OUT");
    EXPECT_EQ(error.Message(), rd_kafka_err2str(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
    EXPECT_TRUE(error.Retriable());
    EXPECT_FALSE(error.Fatal());
    EXPECT_NE(error.ToString().find("_MSG_TIMED_OUT"), std::string::npos);
}

TEST(KafkaErrorTest, ClassifiesRetriableAndFatal) {
    EXPECT_TRUE(IsRetriable(RD_KAFKA_RESP_ERR__TRANSPORT));
    EXPECT_TRUE(IsRetriable(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION));
    EXPECT_TRUE(IsRetriable(RD_KAFKA_RESP_ERR__QUEUE_FULL));
    EXPECT_FALSE(IsRetriable(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE));
    EXPECT_FALSE(IsRetriable(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED));
    EXPECT_TRUE(KafkaError(RD_KAFKA_RESP_ERR__FATAL).Fatal());
    EXPECT_FALSE(KafkaError(RD_KAFKA_RESP_ERR__FATAL).Retriable());
}

TEST(KafkaErrorTest, ConsumesLibrdkafkaErrorObjects) {
    rd_kafka_error_t* raw = rd_kafka_error_new(RD_KAFKA_RESP_ERR__STATE, "partition %d not assigned", 3);
    const KafkaError error = KafkaError::Consume(raw);
    EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR__STATE);
    EXPECT_EQ(error.Message(), "partition 3 not assigned");
    EXPECT_FALSE(KafkaError::Consume(nullptr));
}

TEST(KafkaErrorTest, IsAnErrorCode) {
    const std::error_code code = RD_KAFKA_RESP_ERR__TIMED_OUT;
    EXPECT_EQ(&code.category(), &KafkaCategory());
    EXPECT_STREQ(code.category().name(), "librdkafka");
    EXPECT_EQ(code.value(), RD_KAFKA_RESP_ERR__TIMED_OUT);
    EXPECT_EQ(code.message(), rd_kafka_err2str(RD_KAFKA_RESP_ERR__TIMED_OUT));
    EXPECT_EQ(KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT).ErrorCode(), code);
}

TEST(KafkaErrorTest, ExceptionCarriesTheError) {
    try {
        throw KafkaException(KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, "bad"));
    } catch (const KafkaException& e) {
        EXPECT_EQ(e.Error().Code(), RD_KAFKA_RESP_ERR__INVALID_ARG);
        EXPECT_NE(std::string(e.what()).find("bad"), std::string::npos);
    }
}

TEST(KafkaErrorTest, OutcomeLabels) {
    EXPECT_EQ(ToString(Outcome::kOk), "ok");
    EXPECT_EQ(ToString(Outcome::kRetry), "retry");
    EXPECT_EQ(ToString(Outcome::kDeadLetter), "dead_letter");
}

}  // namespace
}  // namespace cosmic::kafka
