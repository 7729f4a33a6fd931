// ParseAhead (the runner's parse-ahead for a consumed batch): every slot awaited in order holds
// its own parse result, whoever parsed it, across many batches, and End returns with no helper
// left inside a batch even when most slots were never awaited.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../src/runner_parse.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::kafka::runner_detail {
namespace {

struct Batch {
    std::vector<std::string> bytes;
    std::vector<schema::Event> events;
    std::vector<std::optional<schema::Violation>> violations;
    std::vector<ParseSlot> slots;

    /// `count` lifecycle events marked "m<i>"; every seventh is not JSON.
    explicit Batch(std::size_t count) : bytes(count), events(count), violations(count), slots(count) {
        for (std::size_t i = 0; i < count; ++i) {
            auto event = schema::NewEvent(schema::TopicId::kJobLifecycle, "job.submitted", "test");
            event.job_id = "job-" + std::to_string(i);
            event.correlation_id = "m" + std::to_string(i);
            bytes[i] = i % 7 == 3 ? std::string("{not json") : schema::Serialize(event);
            slots[i] = ParseSlot{bytes[i], schema::TopicId::kJobLifecycle, &events[i], &violations[i]};
        }
    }
};

TEST(ParseAheadTest, AwaitedSlotsHoldTheirOwnResultAcrossBatches) {
    ParseAhead ahead(2);
    schema::Parser parser;
    for (int round = 0; round < 50; ++round) {
        Batch batch(64 + static_cast<std::size_t>(round));
        ahead.Begin(batch.slots);
        ASSERT_TRUE(ahead.Active());
        for (std::size_t i = 0; i < batch.slots.size(); ++i) {
            ahead.Await(i, parser);
            if (i % 7 == 3) {
                ASSERT_TRUE(batch.violations[i].has_value()) << "slot " << i;
            } else {
                ASSERT_FALSE(batch.violations[i].has_value())
                    << "slot " << i << ": " << batch.violations[i]->ToString();
                EXPECT_EQ(batch.events[i].correlation_id, "m" + std::to_string(i));
            }
        }
        ahead.End();
        EXPECT_FALSE(ahead.Active());
    }
}

TEST(ParseAheadTest, EndStopsTheHelpersEvenWhenFewSlotsWereAwaited) {
    ParseAhead ahead(1);
    schema::Parser parser;
    for (int round = 0; round < 50; ++round) {
        Batch batch(200);
        ahead.Begin(batch.slots);
        ahead.Await(0, parser);
        ASSERT_FALSE(batch.violations[0].has_value());
        EXPECT_EQ(batch.events[0].correlation_id, "m0");
        ahead.End();  // `batch` goes away next: no helper may still write into it
    }
}

TEST(ParseAheadTest, WithoutHelpersNothingIsStartedAndSlotsParseInPlace) {
    ParseAhead ahead(0);
    schema::Parser parser;
    Batch batch(10);
    ahead.Begin(batch.slots);
    EXPECT_FALSE(ahead.Active());
    ParseAhead::ParseOne(batch.slots[1], parser);
    EXPECT_EQ(batch.events[1].correlation_id, "m1");
    ahead.End();
}

}  // namespace
}  // namespace cosmic::kafka::runner_detail
