#include "cosmic/metrics_consumer/metrics_stream.hpp"

#include <prometheus/counter.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "cosmic/metrics_consumer/job_json.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::metrics {

namespace {

constexpr std::string_view kAll = "*";
constexpr std::size_t kMaxJobIdBytes = 256;

std::string Reply(std::string_view type, std::string_view key, std::string_view value) {
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject().Key("type").String(type).Key(key).String(value).EndObject();
    return out;
}

std::string ErrorReply(std::string_view message) {
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject().Key("type").String("error").Key("error").BeginObject();
    writer.Key("code").String("bad_request").Key("message").String(message);
    writer.EndObject().EndObject();
    return out;
}

std::string SkippedReply(std::size_t count) {
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject().Key("type").String("updates_skipped").Key("count").Uint(count).EndObject();
    return out;
}

void Bump(prometheus::Counter* counter, double by = 1) {
    if (counter != nullptr && by > 0) counter->Increment(by);
}

}  // namespace

MetricsStream::MetricsStream(JobAggregator& aggregator, std::shared_ptr<const service::Authenticator> authenticator,
                             StreamOptions options, StreamMetrics metrics)
    : aggregator_(aggregator), authenticator_(std::move(authenticator)), options_(options), metrics_(metrics) {}

telemetry::WebSocketEndpoint::Callbacks MetricsStream::Callbacks() {
    telemetry::WebSocketEndpoint::Callbacks callbacks;
    callbacks.on_open = [this](ConnectionId id, const telemetry::HttpRequest& request) { return OnOpen(id, request); };
    callbacks.on_message = [this](ConnectionId id, std::string_view text) { OnMessage(id, text); };
    callbacks.on_close = [this](ConnectionId id) { OnClose(id); };
    return callbacks;
}

void MetricsStream::Attach(telemetry::WebSocketEndpoint& endpoint) { endpoint_.store(&endpoint); }

bool MetricsStream::OnOpen(ConnectionId id, const telemetry::HttpRequest& request) {
    Client client;
    if (authenticator_) {
        auto principal = authenticator_->Authenticate(request, /*allow_query_token=*/true);
        if (!principal) {
            if (auto token = request.Query("token")) principal = authenticator_->Authenticate("Bearer " + *token);
        }
        if (!principal) return false;
        client.user_id = principal->user_id;
        client.admin = service::HasRole(*principal, service::Role::kAdmin);
    } else {
        client.admin = true;
    }
    std::lock_guard lock(mutex_);
    if (authenticator_) {
        const auto own = std::count_if(clients_.begin(), clients_.end(),
                                       [&](const auto& entry) { return entry.second.user_id == client.user_id; });
        if (static_cast<std::size_t>(own) >= options_.max_per_user) return false;
    }
    clients_.insert_or_assign(id, std::move(client));
    return true;
}

void MetricsStream::OnMessage(ConnectionId id, std::string_view text) {
    std::string reply;
    {
        std::lock_guard lock(mutex_);
        const auto it = clients_.find(id);
        if (it == clients_.end()) return;
        reply = Apply(it->second, text);
    }
    // Outside the lock: a full queue may close the connection, which calls OnClose.
    Send(id, std::move(reply));
}

void MetricsStream::OnClose(ConnectionId id) {
    std::lock_guard lock(mutex_);
    const auto it = clients_.find(id);
    if (it == clients_.end()) return;
    Client& client = it->second;
    Unsubscribe(client, kAll);
    while (!client.jobs.empty()) Unsubscribe(client, std::string(*client.jobs.begin()));
    clients_.erase(it);
}

std::string MetricsStream::Apply(Client& client, std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element document;
    if (parser.parse(text.data(), text.size()).get(document) != simdjson::SUCCESS) return ErrorReply("invalid JSON");
    simdjson::dom::object command;
    if (document.get_object().get(command) != simdjson::SUCCESS) return ErrorReply("expected a JSON object");
    for (const bool subscribe : {true, false}) {
        const char* key = subscribe ? "subscribe" : "unsubscribe";
        simdjson::dom::element value;
        if (command.at_key(key).get(value) != simdjson::SUCCESS) continue;
        std::string_view target;
        if (value.get_string().get(target) != simdjson::SUCCESS)
            return ErrorReply(std::string(key) + ": expected string");
        if (target.empty() || target.size() > kMaxJobIdBytes) {
            return ErrorReply(std::string(key) + ": expected a job id of 1-256 bytes or \"*\"");
        }
        if (subscribe) {
            if (target != kAll && !client.jobs.contains(target) && client.jobs.size() >= options_.max_subscriptions) {
                return ErrorReply("subscribe: at most " + std::to_string(options_.max_subscriptions) +
                                  " job subscriptions per connection");
            }
            Subscribe(client, target);
        } else {
            Unsubscribe(client, target);
        }
        return Reply(subscribe ? "subscribed" : "unsubscribed", key, target);
    }
    return ErrorReply("expected \"subscribe\" or \"unsubscribe\"");
}

void MetricsStream::Subscribe(Client& client, std::string_view target) {
    if (target == kAll) {
        if (client.all) return;
        client.all = true;
        if (client.admin) {
            ++admin_wildcards_;
        } else {
            ++user_wildcards_[client.user_id];
        }
    } else {
        std::string job(target);
        if (!client.jobs.insert(job).second) return;
        ++job_subscribers_[std::move(job)];
        ++job_subscriptions_;
    }
    UpdateTrackingLocked();
}

void MetricsStream::Unsubscribe(Client& client, std::string_view target) {
    if (target == kAll) {
        if (!client.all) return;
        client.all = false;
        if (client.admin) {
            --admin_wildcards_;
        } else if (auto it = user_wildcards_.find(client.user_id); it != user_wildcards_.end() && --it->second == 0) {
            user_wildcards_.erase(it);
        }
    } else {
        const auto own = client.jobs.find(target);
        if (own == client.jobs.end()) return;
        client.jobs.erase(own);
        if (auto it = job_subscribers_.find(target); it != job_subscribers_.end() && --it->second == 0) {
            job_subscribers_.erase(it);
        }
        --job_subscriptions_;
    }
    UpdateTrackingLocked();
}

void MetricsStream::UpdateTrackingLocked() {
    aggregator_.SetChangeTracking(admin_wildcards_ > 0 || !user_wildcards_.empty() || !job_subscribers_.empty());
}

bool MetricsStream::Visible(const Client& client, std::string_view job_user) const {
    return client.admin || (!job_user.empty() && job_user == client.user_id);
}

bool MetricsStream::WantedLocked(std::string_view job_id, std::string_view job_user) const {
    if (admin_wildcards_ > 0) return true;
    if (!job_user.empty() && user_wildcards_.contains(job_user)) return true;
    return job_subscribers_.contains(job_id);
}

std::size_t MetricsStream::FlushOnce() {
    std::vector<std::pair<ConnectionId, std::string>> outgoing;
    std::size_t updates = 0;
    std::size_t skipped_total = 0;
    {
        std::lock_guard lock(mutex_);
        if (admin_wildcards_ == 0 && user_wildcards_.empty() && job_subscribers_.empty()) return 0;
        const std::vector<JobSnapshot> changed = aggregator_.TakeChanged(
            [this](std::string_view job_id, std::string_view job_user) { return WantedLocked(job_id, job_user); });
        std::unordered_map<ConnectionId, std::size_t> sent;
        std::unordered_map<ConnectionId, std::size_t> skipped;
        for (const JobSnapshot& job : changed) {
            std::string message;  // serialized once, only if someone gets it
            for (const auto& [id, client] : clients_) {
                if (!Visible(client, job.user_id)) continue;
                if (!client.all && !client.jobs.contains(job.job_id)) continue;
                std::size_t& count = sent[id];
                if (count >= options_.max_updates_per_flush) {
                    ++skipped[id];
                    continue;
                }
                if (message.empty()) message = JobUpdateMessage(job);
                ++count;
                ++updates;
                outgoing.emplace_back(id, message);
            }
        }
        for (const auto& [id, count] : skipped) {
            outgoing.emplace_back(id, SkippedReply(count));
            skipped_total += count;
        }
    }
    for (auto& [id, text] : outgoing) Send(id, std::move(text));
    Bump(metrics_.updates_sent, static_cast<double>(updates));
    Bump(metrics_.updates_skipped, static_cast<double>(skipped_total));
    return updates;
}

void MetricsStream::Send(ConnectionId id, std::string text) {
    telemetry::WebSocketEndpoint* endpoint = endpoint_.load();
    if (endpoint == nullptr) return;
    if (!endpoint->Send(id, std::move(text))) Bump(metrics_.send_failures);
}

std::size_t MetricsStream::Connections() const {
    std::lock_guard lock(mutex_);
    return clients_.size();
}

std::size_t MetricsStream::Subscriptions() const {
    std::lock_guard lock(mutex_);
    std::size_t wildcards = admin_wildcards_;
    for (const auto& [user, count] : user_wildcards_) wildcards += count;
    return job_subscriptions_ + wildcards;
}

}  // namespace cosmic::metrics
