#include "admin_client.hpp"

#include <memory>
#include <stdexcept>
#include <vector>

#include "e2e_env.hpp"

namespace cosmic::e2e {
namespace {

struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

void ThrowOnEventError(rd_kafka_event_t* event, const std::string& what) {
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("e2e admin: " + what + ": " + rd_kafka_event_error_string(event));
    }
}

void ThrowOnTopicResults(const rd_kafka_topic_result_t** results, size_t count, const std::string& what) {
    for (size_t i = 0; i < count; ++i) {
        if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* message = rd_kafka_topic_result_error_string(results[i]);
            throw std::runtime_error("e2e admin: " + what + " " + rd_kafka_topic_result_name(results[i]) + ": " +
                                     rd_kafka_err2name(rd_kafka_topic_result_error(results[i])) + " " +
                                     (message != nullptr ? message : ""));
        }
    }
}

}  // namespace

AdminClient::AdminClient(const std::string& bootstrap, std::chrono::milliseconds timeout) : timeout_(timeout) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::invalid_argument(std::string("e2e admin: ") + error);
    }
    client_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    if (client_ == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("e2e admin: ") + error);
    }
    queue_ = rd_kafka_queue_new(client_);
}

AdminClient::~AdminClient() {
    rd_kafka_queue_destroy(queue_);
    rd_kafka_destroy(client_);
}

rd_kafka_event_t* AdminClient::WaitResult(rd_kafka_event_type_t type) {
    const auto deadline = Clock::now() + timeout_;
    while (Clock::now() < deadline) {
        rd_kafka_event_t* event = rd_kafka_queue_poll(queue_, 500);
        if (event == nullptr) {
            continue;
        }
        if (rd_kafka_event_type(event) == type) {
            return event;
        }
        rd_kafka_event_destroy(event);  // a log or error event of the client, not the answer
    }
    throw std::runtime_error("e2e admin: no answer within the timeout");
}

void AdminClient::CreateTopic(const std::string& name, int partitions, int replication,
                              const std::map<std::string, std::string>& configs) {
    char error[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, replication, error, sizeof(error));
    if (topic == nullptr) {
        throw std::invalid_argument("e2e admin: " + name + ": " + error);
    }
    for (const auto& [key, value] : configs) {
        rd_kafka_NewTopic_set_config(topic, key.c_str(), value.c_str());
    }
    rd_kafka_CreateTopics(client_, &topic, 1, nullptr, queue_);
    rd_kafka_NewTopic_destroy(topic);
    const Event event(WaitResult(RD_KAFKA_EVENT_CREATETOPICS_RESULT));
    ThrowOnEventError(event.get(), "create " + name);
    size_t count = 0;
    const auto** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
    ThrowOnTopicResults(results, count, "create");
}

void AdminClient::DeleteTopic(const std::string& name) {
    rd_kafka_DeleteTopic_t* topic = rd_kafka_DeleteTopic_new(name.c_str());
    rd_kafka_DeleteTopics(client_, &topic, 1, nullptr, queue_);
    rd_kafka_DeleteTopic_destroy(topic);
    const Event event(WaitResult(RD_KAFKA_EVENT_DELETETOPICS_RESULT));
    ThrowOnEventError(event.get(), "delete " + name);
    size_t count = 0;
    const auto** results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event.get()), &count);
    ThrowOnTopicResults(results, count, "delete");
    if (!WaitUntil([&] { return !InMetadata(name, nullptr, nullptr); }, timeout_, std::chrono::milliseconds(200))) {
        throw std::runtime_error("e2e admin: " + name + " still in metadata after its deletion");
    }
}

void AdminClient::SetTopicConfigs(const std::string& name, const std::map<std::string, std::string>& configs) {
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
    for (const auto& [key, value] : configs) {
        rd_kafka_ConfigResource_set_config(resource, key.c_str(), value.c_str());
    }
    rd_kafka_AlterConfigs(client_, &resource, 1, nullptr, queue_);
    rd_kafka_ConfigResource_destroy(resource);
    const Event event(WaitResult(RD_KAFKA_EVENT_ALTERCONFIGS_RESULT));
    ThrowOnEventError(event.get(), "alter configs of " + name);
    size_t count = 0;
    const auto** results =
        rd_kafka_AlterConfigs_result_resources(rd_kafka_event_AlterConfigs_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
        if (rd_kafka_ConfigResource_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("e2e admin: alter configs of " + name + ": " +
                                     rd_kafka_ConfigResource_error_string(results[i]));
        }
    }
}

bool AdminClient::InMetadata(const std::string& name, int* partitions, int* replication) {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(client_, 1, nullptr, &metadata, static_cast<int>(timeout_.count())) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("e2e admin: no cluster metadata");
    }
    bool found = false;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        const auto& topic = metadata->topics[i];
        if (name == topic.topic && topic.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            found = true;
            if (partitions != nullptr) *partitions = topic.partition_cnt;
            if (replication != nullptr) *replication = topic.partition_cnt > 0 ? topic.partitions[0].replica_cnt : 0;
        }
    }
    rd_kafka_metadata_destroy(metadata);
    return found;
}

TopicState AdminClient::Describe(const std::string& name) {
    TopicState state;
    if (!InMetadata(name, &state.partitions, &state.replication)) {
        throw std::runtime_error("e2e admin: topic " + name + " does not exist");
    }
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
    rd_kafka_DescribeConfigs(client_, &resource, 1, nullptr, queue_);
    rd_kafka_ConfigResource_destroy(resource);
    const Event event(WaitResult(RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT));
    ThrowOnEventError(event.get(), "describe configs of " + name);
    size_t count = 0;
    const auto** results =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
        size_t entries = 0;
        const auto** configs = rd_kafka_ConfigResource_configs(results[i], &entries);
        for (size_t e = 0; e < entries; ++e) {
            const char* value = rd_kafka_ConfigEntry_value(configs[e]);
            state.configs[rd_kafka_ConfigEntry_name(configs[e])] = value != nullptr ? value : "";
        }
    }
    return state;
}

}  // namespace cosmic::e2e
