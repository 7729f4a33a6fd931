#include "cosmic/telemetry/logging.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cosmic::telemetry {
namespace {

class LoggingTest : public ::testing::Test {
  protected:
    void SetUp() override {
        previous_ = spdlog::default_logger();
        sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        InitLogging("audit-consumer", "info", sink_);
    }
    void TearDown() override { spdlog::set_default_logger(previous_); }

    std::vector<std::string> Lines() {
        std::vector<std::string> lines;
        std::istringstream in(stream_.str());
        for (std::string line; std::getline(in, line);) {
            lines.push_back(line);
        }
        return lines;
    }

    /// Parses one log line; fails the test when it is not a JSON object.
    simdjson::dom::element Parse(const std::string& line) {
        simdjson::dom::element element;
        const auto error = parser_.parse(line).get(element);
        if (error != simdjson::SUCCESS) {
            ADD_FAILURE() << "not JSON (" << simdjson::error_message(error) << "): " << line;
            return parser_.parse(std::string_view("{}"));  // every field then reads as missing
        }
        return element;
    }

    static std::string Field(simdjson::dom::element element, const char* name) {
        std::string_view value;
        if (element[name].get(value) != simdjson::SUCCESS) {
            return "<missing>";
        }
        return std::string(value);
    }

    std::ostringstream stream_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> previous_;
    simdjson::dom::parser parser_;
};

TEST_F(LoggingTest, LinesAreJsonWithTheDesignFields) {
    spdlog::info("consumer started on {}", "audit-trail");
    const std::vector<std::string> lines = Lines();
    ASSERT_EQ(lines.size(), 1U);
    const simdjson::dom::element line = Parse(lines[0]);
    EXPECT_EQ(Field(line, "level"), "info");
    EXPECT_EQ(Field(line, "service"), "audit-consumer");
    EXPECT_EQ(Field(line, "msg"), "consumer started on audit-trail");
    EXPECT_EQ(Field(line, "correlation_id"), "");
    EXPECT_EQ(Field(line, "trace_id"), "");
    EXPECT_TRUE(std::regex_match(Field(line, "ts"), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << Field(line, "ts");
}

TEST_F(LoggingTest, MessagesAreEscaped) {
    const std::string nasty = std::string("quote\" backslash\\ newline\n tab\t nul") + '\0' + " ctl\x01 del\x7f" +
                              " utf8 é 🚀 bad\xff\xc3 overlong\xc0\xaf surrogate\xed\xa0\x80 end";
    spdlog::error("{}", nasty);
    const std::vector<std::string> lines = Lines();
    ASSERT_EQ(lines.size(), 1U) << "an embedded newline split the line";
    const simdjson::dom::element line = Parse(lines[0]);
    EXPECT_EQ(Field(line, "level"), "error");
    const std::string replacement = "\xEF\xBF\xBD";
    const std::string expected = std::string("quote\" backslash\\ newline\n tab\t nul") + '\0' + " ctl\x01 del\x7f" +
                                 " utf8 é 🚀 bad" + replacement + replacement + " overlong" + replacement + replacement +
                                 " surrogate" + replacement + replacement + replacement + " end";
    EXPECT_EQ(Field(line, "msg"), expected);
}

TEST_F(LoggingTest, ScopedContextAddsIdsAndNests) {
    {
        ScopedLogContext outer("corr-1", "0af7651916cd43dd8448eb211c80319c");
        spdlog::info("outer");
        {
            ScopedLogContext inner("corr-2", "");
            EXPECT_EQ(CurrentCorrelationId(), "corr-2");
            spdlog::info("inner");
        }
        spdlog::info("outer again");
        // Another thread has its own (empty) context.
        std::thread([] { spdlog::info("other thread"); }).join();
    }
    spdlog::info("none");
    const std::vector<std::string> lines = Lines();
    ASSERT_EQ(lines.size(), 5U);
    const std::vector<std::pair<std::string, std::string>> expected{
        {"corr-1", "0af7651916cd43dd8448eb211c80319c"},
        {"corr-2", ""},
        {"corr-1", "0af7651916cd43dd8448eb211c80319c"},
        {"", ""},
        {"", ""},
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const simdjson::dom::element line = Parse(lines[i]);
        EXPECT_EQ(Field(line, "correlation_id"), expected[i].first) << lines[i];
        EXPECT_EQ(Field(line, "trace_id"), expected[i].second) << lines[i];
    }
}

TEST_F(LoggingTest, LevelFilterAndNames) {
    spdlog::debug("hidden");
    spdlog::warn("shown");
    InitLogging("audit-consumer", "debug", sink_);
    spdlog::debug("now shown");
    spdlog::critical("bad");
    const std::vector<std::string> lines = Lines();
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(Field(Parse(lines[0]), "level"), "warn");
    EXPECT_EQ(Field(Parse(lines[1]), "level"), "debug");
    EXPECT_EQ(Field(Parse(lines[2]), "level"), "critical");
}

TEST_F(LoggingTest, UnknownLevelIsRejected) {
    EXPECT_THROW(InitLogging("svc", "verbose", sink_), std::invalid_argument);
    EXPECT_THROW(InitLogging("svc", "INFO", sink_), std::invalid_argument);
    EXPECT_NO_THROW(InitLogging("svc", "off", sink_));
}

TEST_F(LoggingTest, ServiceNameIsEscapedToo) {
    InitLogging("we\"ird", "info", sink_);
    spdlog::info("x");
    const std::vector<std::string> lines = Lines();
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(Field(Parse(lines[0]), "service"), "we\"ird");
}

TEST(RateLimiterTest, LetsOneThroughAndCountsTheRest) {
    RateLimiter limiter(std::chrono::hours(1));
    std::uint64_t suppressed = 99;
    EXPECT_TRUE(limiter.Allow(suppressed));
    EXPECT_EQ(suppressed, 0U);
    for (int i = 0; i < 5; ++i) {
        EXPECT_FALSE(limiter.Allow(suppressed));
    }
}

TEST(RateLimiterTest, ReportsSuppressedCountWhenTheIntervalPasses) {
    RateLimiter limiter(std::chrono::milliseconds(20));
    std::uint64_t suppressed = 0;
    ASSERT_TRUE(limiter.Allow(suppressed));
    std::uint64_t refused = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!limiter.Allow(suppressed)) {
        ++refused;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline);
        std::this_thread::yield();
    }
    EXPECT_EQ(suppressed, refused);
}

TEST(RateLimiterTest, OneWinnerAcrossThreads) {
    RateLimiter limiter(std::chrono::hours(1));
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                std::uint64_t suppressed = 0;
                if (limiter.Allow(suppressed)) {
                    ++allowed;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(allowed.load(), 1);
}

TEST(RateLimiterTest, CopiesKeepTheState) {
    RateLimiter limiter(std::chrono::hours(1));
    std::uint64_t suppressed = 0;
    ASSERT_TRUE(limiter.Allow(suppressed));
    RateLimiter copy(limiter);
    EXPECT_FALSE(copy.Allow(suppressed));
}

}  // namespace
}  // namespace cosmic::telemetry
