#include "support/topic_writer.hpp"

#include <stdexcept>

namespace cosmic::e2e {
namespace {

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<int*>(opaque);
}

}  // namespace

TopicWriter::TopicWriter(const std::string& bootstrap) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] : {std::pair{"bootstrap.servers", bootstrap.c_str()}, std::pair{"acks", "all"},
                                      std::pair{"enable.idempotence", "true"},
                                      std::pair{"message.max.bytes", "2000000"}}) {
        if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error(std::string("TopicWriter: ") + error);
        }
    }
    rd_kafka_conf_set_opaque(conf, &failed_);
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (producer_ == nullptr) throw std::runtime_error(std::string("TopicWriter: ") + error);
}

TopicWriter::~TopicWriter() {
    if (producer_ != nullptr) {
        rd_kafka_flush(producer_, 10000);
        rd_kafka_destroy(producer_);
    }
}

void TopicWriter::Produce(const std::string& topic, const std::optional<std::string>& key, std::string_view value) {
    const void* key_data = key ? key->data() : nullptr;
    const std::size_t key_size = key ? key->size() : 0;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key_data, key_size),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("TopicWriter: produce to " + topic + ": " + rd_kafka_err2str(err));
    }
    rd_kafka_poll(producer_, 0);
}

int TopicWriter::Flush() {
    rd_kafka_flush(producer_, 30000);
    return failed_ + rd_kafka_outq_len(producer_);
}

}  // namespace cosmic::e2e
