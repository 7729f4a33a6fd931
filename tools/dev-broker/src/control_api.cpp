#include "control_api.hpp"

#include <simdjson.h>

#include <charconv>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cosmic::dev_broker {
namespace {

using telemetry::HttpRequest;
using telemetry::HttpResponse;

std::optional<int> ToInt(std::string_view text) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
            out += buffer;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

HttpResponse BadRequest(std::string_view message) { return HttpResponse::Error(400, "bad_request", message); }

/// Maps the cluster's exceptions to HTTP: unknown broker 404, bad value 400, else 500 with text.
template <class F>
HttpResponse Guard(F&& action) {
    try {
        return action();
    } catch (const std::out_of_range& error) {
        return HttpResponse::Error(404, "not_found", error.what());
    } catch (const std::invalid_argument& error) {
        return BadRequest(error.what());
    } catch (const std::runtime_error& error) {
        return HttpResponse::Error(500, "mock_error", error.what());
    }
}

}  // namespace

void ControlApi::Register(telemetry::HttpServer& server) {
    server.Route("GET", "/status", [this](const HttpRequest& r) { return Status(r); });
    server.Route("POST", "/brokers/{id}/down", [this](const HttpRequest& r) { return BrokerDown(r); });
    server.Route("POST", "/brokers/{id}/up", [this](const HttpRequest& r) { return BrokerUp(r); });
    server.Route("POST", "/brokers/{id}/rtt", [this](const HttpRequest& r) { return BrokerRtt(r); });
    server.Route("POST", "/errors", [this](const HttpRequest& r) { return PushErrors(r); });
    server.Route("DELETE", "/errors/{api}", [this](const HttpRequest& r) { return ClearErrors(r); });
    server.Route("POST", "/topics", [this](const HttpRequest& r) { return CreateTopic(r); });
    server.Route("POST", "/topics/{topic}/partitions/{partition}/leader",
                 [this](const HttpRequest& r) { return SetLeader(r); });
}

HttpResponse ControlApi::Status(const HttpRequest& /*request*/) {
    std::lock_guard lock(mutex_);
    std::string down;
    for (int id : down_) {
        down += (down.empty() ? "" : ",") + std::to_string(id);
    }
    return HttpResponse::Json(200, "{\"brokers\":" + std::to_string(cluster_.BrokerCount()) +
                                       ",\"bootstrap\":" + Quote(cluster_.Bootstraps()) + ",\"down\":[" + down + "]}");
}

HttpResponse ControlApi::SetBrokerState(const HttpRequest& request, bool up) {
    const auto id = ToInt(request.Param("id"));
    if (!id) {
        return BadRequest("broker id must be a number");
    }
    return Guard([&] {
        std::lock_guard lock(mutex_);
        if (up) {
            cluster_.SetBrokerUp(*id);
            down_.erase(*id);
        } else {
            cluster_.SetBrokerDown(*id);
            down_.insert(*id);
        }
        return HttpResponse::Json(
            200, "{\"broker\":" + std::to_string(*id) + ",\"state\":\"" + (up ? "up" : "down") + "\"}");
    });
}

HttpResponse ControlApi::BrokerDown(const HttpRequest& request) { return SetBrokerState(request, false); }
HttpResponse ControlApi::BrokerUp(const HttpRequest& request) { return SetBrokerState(request, true); }

HttpResponse ControlApi::BrokerRtt(const HttpRequest& request) {
    const auto id = ToInt(request.Param("id"));
    const auto ms_text = request.Query("ms");
    const auto ms = ms_text ? ToInt(*ms_text) : std::nullopt;
    if (!id || !ms || *ms < 0) {
        return BadRequest("use POST /brokers/{id}/rtt?ms=N with N >= 0");
    }
    return Guard([&] {
        cluster_.SetRtt(*id, *ms);
        return HttpResponse::Json(200,
                                  "{\"broker\":" + std::to_string(*id) + ",\"rtt_ms\":" + std::to_string(*ms) + "}");
    });
}

HttpResponse ControlApi::PushErrors(const HttpRequest& request) {
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS || !body.is_object()) {
        return BadRequest("body must be a JSON object {\"api\":..., \"errors\":[...], \"count\":n}");
    }
    std::string_view api_name;
    if (body["api"].get_string().get(api_name) != simdjson::SUCCESS) {
        return BadRequest("\"api\" must be a request type name such as \"Produce\"");
    }
    const auto api = kafka::ParseApiKey(api_name);
    if (!api) {
        return BadRequest("unknown request type '" + std::string(api_name) + "'");
    }
    simdjson::dom::array list;
    if (body["errors"].get_array().get(list) != simdjson::SUCCESS || list.size() == 0) {
        return BadRequest("\"errors\" must be a non-empty array of error names or codes");
    }
    std::vector<rd_kafka_resp_err_t> errors;
    for (simdjson::dom::element item : list) {
        std::optional<rd_kafka_resp_err_t> code;
        if (std::string_view name; item.get_string().get(name) == simdjson::SUCCESS) {
            code = kafka::ParseErrorCode(name);
        } else if (std::int64_t number = 0; item.get_int64().get(number) == simdjson::SUCCESS) {
            code = static_cast<rd_kafka_resp_err_t>(number);
        }
        if (!code) {
            return BadRequest("unknown error " + simdjson::to_string(item));
        }
        errors.push_back(*code);
    }
    std::int64_t count = 1;
    if (auto field = body["count"]; field.error() != simdjson::NO_SUCH_FIELD) {
        if (field.get_int64().get(count) != simdjson::SUCCESS || count < 1 || count > 100000) {
            return BadRequest("\"count\" must be a number from 1 to 100000");
        }
    }
    std::vector<rd_kafka_resp_err_t> queued;
    queued.reserve(errors.size() * static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
        queued.insert(queued.end(), errors.begin(), errors.end());
    }
    return Guard([&] {
        cluster_.PushRequestErrors(*api, queued);
        return HttpResponse::Json(
            200, "{\"api\":" + Quote(kafka::ToString(*api)) + ",\"queued\":" + std::to_string(queued.size()) + "}");
    });
}

HttpResponse ControlApi::ClearErrors(const HttpRequest& request) {
    const auto api = kafka::ParseApiKey(request.Param("api"));
    if (!api) {
        return BadRequest("unknown request type '" + std::string(request.Param("api")) + "'");
    }
    return Guard([&] {
        cluster_.ClearRequestErrors(*api);
        return HttpResponse::Json(200, "{\"api\":" + Quote(kafka::ToString(*api)) + ",\"cleared\":true}");
    });
}

HttpResponse ControlApi::CreateTopic(const HttpRequest& request) {
    simdjson::dom::parser parser;
    simdjson::dom::element body;
    std::string_view name;
    std::int64_t partitions = 0;
    std::int64_t replication = 1;
    if (parser.parse(request.body).get(body) != simdjson::SUCCESS ||
        body["name"].get_string().get(name) != simdjson::SUCCESS || name.empty() ||
        body["partitions"].get_int64().get(partitions) != simdjson::SUCCESS || partitions < 1 || partitions > 10000) {
        return BadRequest("body must be {\"name\": str, \"partitions\": 1..10000, \"replication\": n}");
    }
    if (auto field = body["replication"]; field.error() != simdjson::NO_SUCH_FIELD) {
        if (field.get_int64().get(replication) != simdjson::SUCCESS || replication < 1 ||
            replication > cluster_.BrokerCount()) {
            return BadRequest("\"replication\" must be 1.." + std::to_string(cluster_.BrokerCount()));
        }
    }
    return Guard([&] {
        cluster_.CreateTopic(name, static_cast<int>(partitions), static_cast<int>(replication));
        return HttpResponse::Json(201, "{\"topic\":" + Quote(name) + ",\"partitions\":" + std::to_string(partitions) +
                                           ",\"replication\":" + std::to_string(replication) + "}");
    });
}

HttpResponse ControlApi::SetLeader(const HttpRequest& request) {
    const auto partition = ToInt(request.Param("partition"));
    const auto broker_text = request.Query("broker");
    const auto broker = broker_text ? ToInt(*broker_text) : std::nullopt;
    if (!partition || !broker) {
        return BadRequest("use POST /topics/{topic}/partitions/{p}/leader?broker=N");
    }
    return Guard([&] {
        cluster_.SetPartitionLeader(request.Param("topic"), *partition, *broker);
        return HttpResponse::Json(200, "{\"topic\":" + Quote(request.Param("topic")) + ",\"partition\":" +
                                           std::to_string(*partition) + ",\"leader\":" + std::to_string(*broker) + "}");
    });
}

}  // namespace cosmic::dev_broker
