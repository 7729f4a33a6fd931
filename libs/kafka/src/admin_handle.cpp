#include "admin_handle.hpp"

#include <stdexcept>
#include <string>

#include "log_bridge.hpp"

namespace cosmic::kafka::detail {
namespace {

void SetProperty(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::invalid_argument("kafka property '" + name + "': " + error);
    }
}

}  // namespace

Handle NewClient(rd_kafka_type_t type, const ClientConfig& config,
                 const std::map<std::string, std::string>& overrides) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] : config.properties) {
        if (overrides.count(name) == 0) {
            SetProperty(conf, name, value);
        }
    }
    for (const auto& [name, value] : overrides) {
        SetProperty(conf, name, value);
    }
    client_detail::InstallLogBridge(conf);
    char error[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof(error));
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("cannot create kafka client: ") + error);
    }
    return Handle(rk);
}

AdminOptions NewAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
    AdminOptions options(rd_kafka_AdminOptions_new(rk, op));
    char error[512];
    const int ms = static_cast<int>(timeout.count());
    if (rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, error, sizeof(error)) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::invalid_argument(std::string("admin request timeout: ") + error);
    }
    // Only create/delete style operations accept an operation timeout; others reject it.
    if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
        if (rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, error, sizeof(error)) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::invalid_argument(std::string("admin operation timeout: ") + error);
        }
    }
    return options;
}

Event WaitEvent(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout) {
    return Event(rd_kafka_queue_poll(queue, static_cast<int>(timeout.count())));
}

rd_kafka_resp_err_t AllPartitionCounts(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                                       std::map<std::string, int, std::less<>>& counts) {
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return err;
    }
    counts.clear();
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        const auto& topic = metadata->topics[i];
        if (topic.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            counts.emplace(topic.topic, topic.partition_cnt);
        }
    }
    rd_kafka_metadata_destroy(metadata);
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace cosmic::kafka::detail
