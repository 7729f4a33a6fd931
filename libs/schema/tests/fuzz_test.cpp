// Random mutations of valid messages: the parser must never crash, and whatever it accepts must
// serialize into a message it accepts again with the same fields (no half-validated events).

#include <gtest/gtest.h>

#include <random>

#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"
#include "test_events.hpp"

namespace cosmic::schema {
namespace {

constexpr std::string_view kInteresting[] = {"{",
                                             "}",
                                             "[",
                                             "]",
                                             ",",
                                             ":",
                                             "\"",
                                             "\\",
                                             "\\u",
                                             "\\ud800",
                                             "0",
                                             "-",
                                             "1e999",
                                             "null",
                                             "tru",
                                             " ",
                                             "\xff",
                                             "\xc3",
                                             "\xed\xa0\x80",
                                             "\x01",
                                             "\"payload\":{}",
                                             "\"event_type\":\"job.failed\","};

std::string Mutate(std::string message, std::mt19937_64& rng) {
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !message.empty(); ++e) {
        const std::size_t pos = rng() % message.size();
        switch (rng() % 6) {
            case 0:
                message[pos] = static_cast<char>(rng());
                break;  // flip a byte
            case 1:
                message.erase(pos, 1 + rng() % 8);
                break;  // delete a run
            case 2:
                message.insert(pos, kInteresting[rng() % std::size(kInteresting)]);
                break;
            case 3:
                message.resize(pos);
                break;  // truncate
            case 4:
                message.insert(pos, message.substr(rng() % message.size(), rng() % 16));
                break;  // duplicate
            default:
                std::swap(message[pos], message[rng() % message.size()]);
                break;
        }
    }
    return message;
}

TEST(ParserFuzz, RandomMutationsNeverCrashAndAcceptedEventsAreConsistent) {
    std::mt19937_64 rng(20260102);
    Parser parser;
    Parser reparser;
    Event event;
    Event again;
    std::size_t accepted = 0;
    std::size_t rejected = 0;
    const auto all = testing::AllEventTypes();
    for (int i = 0; i < 30'000; ++i) {
        const auto& [topic, type] = all[static_cast<std::size_t>(i) % all.size()];
        const std::string original = Serialize(testing::MakeValidEvent(topic, type));
        const std::string mutated = Mutate(original, rng);
        const auto violation = parser.Parse(topic, mutated, event);
        if (violation) {
            ++rejected;
            ASSERT_FALSE(violation->reason.empty()) << mutated;
            continue;
        }
        ++accepted;
        const std::string rewritten = Serialize(event);
        const auto second = reparser.Parse(topic, rewritten, again);
        ASSERT_FALSE(second) << second->ToString() << "\nmutated:   " << mutated << "\nrewritten: " << rewritten;
        testing::ExpectSameEvent(event, again);
    }
    // Both outcomes must actually be exercised for the test to mean anything.
    EXPECT_GT(accepted, 100U);
    EXPECT_GT(rejected, 10'000U);
}

TEST(ParserFuzz, RandomBytesNeverCrash) {
    constexpr std::string_view kAlphabet = "{}[]\":,\\0123456789.-+eEtrufalsn \x80\xff";
    std::mt19937_64 rng(7);
    Parser parser;
    Event event;
    for (int i = 0; i < 20'000; ++i) {
        std::string bytes(rng() % 300, '\0');
        for (auto& c : bytes) c = kAlphabet[rng() % kAlphabet.size()];
        const auto violation = parser.Parse(TopicId::kJobLifecycle, bytes, event);
        EXPECT_TRUE(violation.has_value());
    }
}

}  // namespace
}  // namespace cosmic::schema
