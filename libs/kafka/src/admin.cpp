// Admin: cluster access for topic description and ApplyTopics (planning is in admin_plan.cpp).

#include "cosmic/kafka/admin.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

#include "admin_handle.hpp"

namespace cosmic::kafka {
namespace {

[[noreturn]] void Fail(rd_kafka_resp_err_t code, const std::string& what) {
    throw AdminError(code, what + ": " + rd_kafka_err2str(code));
}

/// Collects per-topic failures so one bad topic does not hide the others.
class Failures {
  public:
    void Add(rd_kafka_resp_err_t code, const std::string& text) {
        if (first_ == RD_KAFKA_RESP_ERR_NO_ERROR) {
            first_ = code;
        }
        message_ += (message_.empty() ? "" : "; ") + text;
    }
    void ThrowIfAny() const {
        if (first_ != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw AdminError(first_, message_);
        }
    }

  private:
    rd_kafka_resp_err_t first_ = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::string message_;
};

/// Waits for an Admin API result; throws on timeout or a request-level error.
detail::Event AwaitResult(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout, const std::string& what) {
    detail::Event event = detail::WaitEvent(queue, timeout + std::chrono::seconds(1));
    if (!event) {
        Fail(RD_KAFKA_RESP_ERR__TIMED_OUT, what);
    }
    if (auto err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw AdminError(err, what + ": " + rd_kafka_event_error_string(event.get()));
    }
    return event;
}

std::vector<std::int32_t> ToVector(const std::int32_t* values, int count) { return {values, values + count}; }

}  // namespace

Admin::Admin(const ClientConfig& config, std::chrono::milliseconds timeout) : timeout_(timeout) {
    // A consumer-type client without a group joins nothing; it only carries admin requests.
    detail::Handle handle = detail::NewClient(RD_KAFKA_CONSUMER, config, {{"group.id", ""}});
    queue_ = rd_kafka_queue_new(handle.get());
    client_ = handle.release();
}

Admin::~Admin() {
    rd_kafka_queue_destroy(queue_);
    rd_kafka_destroy(client_);
}

int Admin::BrokerCount() {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (auto err = rd_kafka_metadata(client_, 0, nullptr, &metadata, static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Fail(err, "cluster metadata");
    }
    const int count = metadata->broker_cnt;
    rd_kafka_metadata_destroy(metadata);
    return count;
}

std::vector<ObservedTopic> Admin::DescribeTopics(const std::vector<std::string>& names) {
    // All-topics metadata: naming topics would make some brokers (and the mock) create them.
    const rd_kafka_metadata_t* metadata = nullptr;
    if (auto err = rd_kafka_metadata(client_, 1, nullptr, &metadata, static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Fail(err, "cluster metadata");
    }
    std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> guard(metadata,
                                                                                           &rd_kafka_metadata_destroy);
    std::vector<ObservedTopic> topics;
    for (int t = 0; t < metadata->topic_cnt; ++t) {
        const auto& entry = metadata->topics[t];
        const std::string name = entry.topic;
        const bool wanted =
            names.empty() ? name.rfind("__", 0) != 0 : std::find(names.begin(), names.end(), name) != names.end();
        if (!wanted || entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            continue;
        }
        ObservedTopic topic;
        topic.name = name;
        for (int p = 0; p < entry.partition_cnt; ++p) {
            const auto& partition = entry.partitions[p];
            topic.partitions.push_back({partition.id, partition.leader,
                                        ToVector(partition.replicas, partition.replica_cnt),
                                        ToVector(partition.isrs, partition.isr_cnt)});
        }
        std::sort(topic.partitions.begin(), topic.partitions.end(),
                  [](const PartitionState& a, const PartitionState& b) { return a.id < b.id; });
        topics.push_back(std::move(topic));
    }
    for (const auto& name : names) {
        if (std::none_of(topics.begin(), topics.end(), [&](const ObservedTopic& t) { return t.name == name; })) {
            Fail(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic " + name);
        }
    }
    std::sort(topics.begin(), topics.end(),
              [](const ObservedTopic& a, const ObservedTopic& b) { return a.name < b.name; });
    // librdkafka sends DescribeConfigs (and ApplyTopics' create requests) via the controller and
    // waits for one until the timeout. A cluster naming no live broker as controller (the mock
    // names broker 0) cannot answer. Known before the empty check: a fresh cluster has no table
    // topics yet and ApplyTopics must still be able to create them.
    const std::int32_t controller = rd_kafka_controllerid(client_, static_cast<int>(timeout_.count()));
    const bool controller_known =
        std::any_of(metadata->brokers, metadata->brokers + metadata->broker_cnt,
                    [&](const rd_kafka_metadata_broker_t& broker) { return broker.id == controller; });
    controller_known_ = controller_known;
    if (topics.empty()) {
        return topics;
    }
    if (!controller_known) {
        for (auto& topic : topics) {
            topic.configs_error = "the cluster names no live controller (broker " + std::to_string(controller) + ")";
        }
        return topics;
    }
    DescribeConfigs(topics);
    return topics;
}

void Admin::DescribeConfigs(std::vector<ObservedTopic>& topics) {
    std::vector<rd_kafka_ConfigResource_t*> resources;
    resources.reserve(topics.size());
    for (const auto& topic : topics) {
        resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.name.c_str()));
    }
    auto options = detail::NewAdminOptions(client_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_);
    rd_kafka_DescribeConfigs(client_, resources.data(), resources.size(), options.get(), queue_);
    rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());

    detail::Event event = detail::WaitEvent(queue_, timeout_ + std::chrono::seconds(1));
    std::string request_error;
    if (!event) {
        request_error = "DescribeConfigs timed out";
    } else if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        request_error = rd_kafka_event_error_string(event.get());
    }
    if (!request_error.empty()) {
        // Configs are a report, not a precondition: record why and keep the rest of the answer.
        for (auto& topic : topics) {
            topic.configs_error = request_error;
        }
        return;
    }
    size_t count = 0;
    const rd_kafka_ConfigResource_t** results =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event.get()), &count);
    for (size_t i = 0; i < count; ++i) {
        const std::string name = rd_kafka_ConfigResource_name(results[i]);
        auto topic = std::find_if(topics.begin(), topics.end(), [&](const ObservedTopic& t) { return t.name == name; });
        if (topic == topics.end()) {
            continue;
        }
        if (auto err = rd_kafka_ConfigResource_error(results[i]); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* text = rd_kafka_ConfigResource_error_string(results[i]);
            topic->configs_error = text != nullptr ? text : rd_kafka_err2str(err);
            continue;
        }
        size_t entries = 0;
        const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(results[i], &entries);
        for (size_t e = 0; e < entries; ++e) {
            const char* value = rd_kafka_ConfigEntry_value(configs[e]);
            topic->configs[rd_kafka_ConfigEntry_name(configs[e])] = value != nullptr ? value : "";
        }
        topic->configs_known = true;
    }
}

std::vector<TopicAction> Admin::ApplyTopics(const std::vector<DesiredTopic>& desired, bool dry_run) {
    std::vector<std::string> names;
    names.reserve(desired.size());
    for (const auto& topic : desired) {
        names.push_back(topic.name);
    }
    // Describe everything (not only the desired names) so a missing topic is planned, not an error.
    std::vector<ObservedTopic> observed = DescribeTopics();
    observed.erase(std::remove_if(observed.begin(), observed.end(),
                                  [&](const ObservedTopic& t) {
                                      return std::find(names.begin(), names.end(), t.name) == names.end();
                                  }),
                   observed.end());
    std::vector<TopicAction> actions = PlanTopics(desired, observed);
    if (dry_run) {
        return actions;
    }
    std::vector<const TopicAction*> creates;
    std::vector<const TopicAction*> additions;
    for (const auto& action : actions) {
        if (action.kind == TopicActionKind::kCreate) {
            creates.push_back(&action);
        } else if (action.kind == TopicActionKind::kAddPartitions) {
            additions.push_back(&action);
        }
    }
    if ((!creates.empty() || !additions.empty()) && !controller_known_) {
        // Create requests go to the controller too; fail now instead of after the timeout.
        throw AdminError(RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE,
                         "the cluster names no live controller, so it cannot create topics or partitions "
                         "(the mock cluster creates them only at start)");
    }
    if (!creates.empty()) {
        if (const std::vector<std::string> existing = CreateTopics(creates); !existing.empty()) {
            // Created by someone else moments ago, not necessarily as the table says: plan those
            // again against what they really are, then add partitions where they fall short.
            actions = ReplanExisting(std::move(actions), desired, DescribeCreated(existing));
            additions.clear();
            for (const auto& action : actions) {
                if (action.kind == TopicActionKind::kAddPartitions) {
                    additions.push_back(&action);
                }
            }
        }
    }
    if (!additions.empty()) {
        CreatePartitions(additions);
    }
    return actions;
}

std::vector<ObservedTopic> Admin::DescribeCreated(const std::vector<std::string>& names) {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    constexpr std::chrono::milliseconds kRetryPause{200};
    while (true) {
        try {
            std::vector<ObservedTopic> topics = DescribeTopics(names);
            if (std::all_of(topics.begin(), topics.end(),
                            [](const ObservedTopic& t) { return !t.partitions.empty(); })) {
                return topics;
            }
        } catch (const AdminError& error) {
            if (error.Code() != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                std::chrono::steady_clock::now() + kRetryPause >= deadline) {
                throw;
            }
        }
        if (std::chrono::steady_clock::now() + kRetryPause >= deadline) {
            throw AdminError(RD_KAFKA_RESP_ERR__TIMED_OUT, "topics reported as existing have no partitions yet");
        }
        std::this_thread::sleep_for(kRetryPause);
    }
}

std::vector<std::string> Admin::CreateTopics(const std::vector<const TopicAction*>& actions) {
    std::vector<rd_kafka_NewTopic_t*> topics;
    struct Cleanup {
        std::vector<rd_kafka_NewTopic_t*>& topics;
        ~Cleanup() { rd_kafka_NewTopic_destroy_array(topics.data(), topics.size()); }
    } cleanup{topics};
    char error[512];
    for (const TopicAction* action : actions) {
        const DesiredTopic& spec = action->spec;
        rd_kafka_NewTopic_t* topic =
            rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, error, sizeof(error));
        if (topic == nullptr) {
            throw AdminError(RD_KAFKA_RESP_ERR__INVALID_ARG, "create " + spec.name + ": " + error);
        }
        topics.push_back(topic);
        for (const auto& [name, value] : spec.configs) {
            if (auto err = rd_kafka_NewTopic_set_config(topic, name.c_str(), value.c_str());
                err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                Fail(err, "create " + spec.name + ": config " + name);
            }
        }
    }
    auto options = detail::NewAdminOptions(client_, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_);
    rd_kafka_CreateTopics(client_, topics.data(), topics.size(), options.get(), queue_);
    detail::Event event = AwaitResult(queue_, timeout_, "create topics");
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
    Failures failures;
    std::vector<std::string> existing;
    for (size_t i = 0; i < count; ++i) {
        const auto err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            // Someone else created it between describe and create; the caller re-describes it.
            existing.emplace_back(rd_kafka_topic_result_name(results[i]));
        } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* text = rd_kafka_topic_result_error_string(results[i]);
            failures.Add(err, std::string("create ") + rd_kafka_topic_result_name(results[i]) + ": " +
                                  (text != nullptr ? text : rd_kafka_err2str(err)));
        }
    }
    failures.ThrowIfAny();
    return existing;
}

void Admin::CreatePartitions(const std::vector<const TopicAction*>& actions) {
    std::vector<rd_kafka_NewPartitions_t*> partitions;
    struct Cleanup {
        std::vector<rd_kafka_NewPartitions_t*>& partitions;
        ~Cleanup() { rd_kafka_NewPartitions_destroy_array(partitions.data(), partitions.size()); }
    } cleanup{partitions};
    char error[512];
    for (const TopicAction* action : actions) {
        rd_kafka_NewPartitions_t* request = rd_kafka_NewPartitions_new(
            action->topic.c_str(), static_cast<size_t>(action->partitions_to), error, sizeof(error));
        if (request == nullptr) {
            throw AdminError(RD_KAFKA_RESP_ERR__INVALID_ARG, "add partitions to " + action->topic + ": " + error);
        }
        partitions.push_back(request);
    }
    auto options = detail::NewAdminOptions(client_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout_);
    rd_kafka_CreatePartitions(client_, partitions.data(), partitions.size(), options.get(), queue_);
    detail::Event event = AwaitResult(queue_, timeout_, "add partitions");
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event.get()), &count);
    Failures failures;
    for (size_t i = 0; i < count; ++i) {
        if (const auto err = rd_kafka_topic_result_error(results[i]); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const char* text = rd_kafka_topic_result_error_string(results[i]);
            failures.Add(err, std::string("add partitions to ") + rd_kafka_topic_result_name(results[i]) + ": " +
                                  (text != nullptr ? text : rd_kafka_err2str(err)));
        }
    }
    failures.ThrowIfAny();
}

}  // namespace cosmic::kafka
