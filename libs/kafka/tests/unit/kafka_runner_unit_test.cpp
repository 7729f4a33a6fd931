// Runner behaviour that needs no broker: option validation, handler registration rules,
// disabled mode.

#include <gtest/gtest.h>

#include <stdexcept>

#include "cosmic/kafka/runner.hpp"

namespace cosmic::kafka {
namespace {

RunnerOptions Options() {
    RunnerOptions options;
    options.group_id = "runner-unit";
    options.topics = {"audit-trail"};
    options.client.enabled = false;
    return options;
}

Outcome Ok(const schema::Event&, const Delivery&) { return Outcome::kOk; }

TEST(RunnerUnitTest, ValidatesOptions) {
    auto options = Options();
    options.group_id.clear();
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    options = Options();
    options.topics = {"not-a-table-topic"};
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    options = Options();
    options.topics.clear();
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    options = Options();
    options.retry.max_attempts = 0;
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    options = Options();
    options.client.enabled = true;
    options.client.properties = {{"no.such.property", "x"}};
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    options = Options();
    options.parse_threads = RunnerOptions::kMaxParseThreads + 1;
    EXPECT_THROW(Runner(options, nullptr), std::invalid_argument);
    for (const std::size_t threads : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
        options.parse_threads = threads;
        EXPECT_NO_THROW(Runner(options, nullptr)) << threads << " parse threads";
    }
}

TEST(RunnerUnitTest, HandlerRegistrationRules) {
    Runner runner(Options(), nullptr);
    runner.On("audit.*", Ok);
    runner.On("audit.alert", Ok);
    EXPECT_THROW(runner.On("audit.*", Ok), std::invalid_argument);
    EXPECT_THROW(runner.On("audit*", Ok), std::invalid_argument);
    EXPECT_THROW(runner.On("audit.create", EventHandler{}), std::invalid_argument);
    EXPECT_THROW(runner.OnBatch([](std::span<const Record>) { return Outcome::kOk; }, 10, std::chrono::milliseconds(5)),
                 std::logic_error);

    Runner batch(Options(), nullptr);
    EXPECT_THROW(batch.OnBatch([](std::span<const Record>) { return Outcome::kOk; }, 0, std::chrono::milliseconds(5)),
                 std::invalid_argument);
    batch.OnBatch([](std::span<const Record>) { return Outcome::kOk; }, 10, std::chrono::milliseconds(5));
    EXPECT_THROW(batch.On("audit.*", Ok), std::logic_error);
}

TEST(RunnerUnitTest, DisabledModeStartsNothing) {
    Runner runner(Options(), nullptr);
    runner.On("*", Ok);
    runner.Start();
    EXPECT_FALSE(runner.Enabled());
    EXPECT_FALSE(runner.Ready());
    EXPECT_TRUE(runner.Assignment().empty());
    EXPECT_FALSE(runner.Lag().known);
    const RunnerCounts counts = runner.Counts();
    EXPECT_EQ(counts.handled + counts.skipped + counts.invalid + counts.failed + counts.retried + counts.dead_lettered,
              0u);
    EXPECT_TRUE(runner.Stop(std::chrono::milliseconds(0)));
    EXPECT_EQ(runner.GroupId(), "runner-unit");
}

}  // namespace
}  // namespace cosmic::kafka
