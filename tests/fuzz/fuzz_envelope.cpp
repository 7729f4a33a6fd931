// libFuzzer: the envelope parser on every topic. The first byte picks the topic; the rest is the
// record value. Any input must give an event or a violation, never a crash, a leak or UB.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static cosmic::schema::Parser parser;
    const auto topics = cosmic::schema::AllTopics();
    const auto& topic = topics[data[0] % topics.size()];
    cosmic::schema::Event event;
    const auto violation =
        parser.Parse(topic.id, std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), event);
    if (!violation) {
        (void)event.Key();  // an accepted event has its key field
    }
    return 0;
}
