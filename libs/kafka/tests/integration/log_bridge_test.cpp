// librdkafka's own log lines reach spdlog (and so the JSON logger) instead of raw stderr: a
// producer pointed at a closed port logs its connection failure through a test sink.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::kafka {
namespace {

using cosmic::testing::WaitUntil;
struct CapturedLine {
    spdlog::level::level_enum level;
    std::string text;
};

class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<CapturedLine> Lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        lines_.push_back({msg.level, std::string(msg.payload.begin(), msg.payload.end())});
    }
    void flush_() override {}

  private:
    std::vector<CapturedLine> lines_;  // guarded by base_sink's mutex_
};

/// A local port nothing listens on: bound by the OS (port 0), then closed.
int ClosedPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(fd);
    return ntohs(address.sin_port);
}

class LogBridgeTest : public ::testing::Test {
  protected:
    LogBridgeTest() : previous_(spdlog::default_logger()) {
        auto logger = std::make_shared<spdlog::logger>("capture", sink_);
        logger->set_level(spdlog::level::debug);
        spdlog::set_default_logger(logger);
    }
    ~LogBridgeTest() override { spdlog::set_default_logger(previous_); }

    std::shared_ptr<CaptureSink> sink_ = std::make_shared<CaptureSink>();
    std::shared_ptr<spdlog::logger> previous_;
};

TEST_F(LogBridgeTest, ConnectionFailureIsForwardedWithFacilityClientAndLevel) {
    ClientConfig config;
    config.properties["bootstrap.servers"] = "127.0.0.1:" + std::to_string(ClosedPort());
    ProducerOptions options;
    options.client_id = "log-bridge-test";
    Producer producer(config, options, nullptr);

    CapturedLine found{};
    const bool forwarded = WaitUntil([&] {
        for (const CapturedLine& line : sink_->Lines()) {
            if (line.text.starts_with("librdkafka fac=") && line.text.find("log-bridge-test") != std::string::npos &&
                line.text.find("127.0.0.1") != std::string::npos) {
                found = line;
                return true;
            }
        }
        return false;
    });
    ASSERT_TRUE(forwarded) << "no librdkafka line reached spdlog";
    EXPECT_GE(found.level, spdlog::level::warn) << found.text;  // connect failures are LOG_ERR/LOG_WARNING
    EXPECT_NE(found.text.find("client=log-bridge-test#producer-"), std::string::npos) << found.text;
}

}  // namespace
}  // namespace cosmic::kafka
