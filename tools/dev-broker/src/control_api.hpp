#pragma once
// The dev broker's fault-injection HTTP API over a MockCluster.

#include <mutex>
#include <set>

#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::dev_broker {

/// Routes (all answer JSON; errors use the suite's {"error":{"code","message"}} shape):
///   GET    /status                                    brokers, bootstrap list, brokers down
///   POST   /brokers/{id}/down | /brokers/{id}/up
///   POST   /brokers/{id}/rtt?ms=N                     added latency, 0 removes it
///   POST   /errors  {"api":"Produce","errors":["NOT_LEADER_FOR_PARTITION",6],"count":n}
///          queues the error list n times (default 1) for the next requests of that type
///   DELETE /errors/{api}                              drops queued errors
///   POST   /topics  {"name":"t","partitions":n,"replication":r}
///   POST   /topics/{topic}/partitions/{p}/leader?broker=N
class ControlApi {
  public:
    explicit ControlApi(kafka::MockCluster& cluster) : cluster_(cluster) {}

    void Register(telemetry::HttpServer& server);

    telemetry::HttpResponse Status(const telemetry::HttpRequest& request);
    telemetry::HttpResponse BrokerDown(const telemetry::HttpRequest& request);
    telemetry::HttpResponse BrokerUp(const telemetry::HttpRequest& request);
    telemetry::HttpResponse BrokerRtt(const telemetry::HttpRequest& request);
    telemetry::HttpResponse PushErrors(const telemetry::HttpRequest& request);
    telemetry::HttpResponse ClearErrors(const telemetry::HttpRequest& request);
    telemetry::HttpResponse CreateTopic(const telemetry::HttpRequest& request);
    telemetry::HttpResponse SetLeader(const telemetry::HttpRequest& request);

  private:
    telemetry::HttpResponse SetBrokerState(const telemetry::HttpRequest& request, bool up);

    kafka::MockCluster& cluster_;
    std::mutex mutex_;
    std::set<int> down_;  ///< for /status only; the mock itself is the source of truth
};

}  // namespace cosmic::dev_broker
