#include "cosmic/kafka/client_config.hpp"

#include <librdkafka/rdkafka.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace cosmic::kafka {

void ClientConfig::Validate() const {
    std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                            &rd_kafka_conf_destroy);
    char error[512];
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            throw std::invalid_argument("kafka property '" + name + "': " + error);
        }
    }
}

}  // namespace cosmic::kafka
