#include "cosmic/schema/writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>
#include <random>

namespace cosmic::schema {
namespace {

std::string Quote(std::string_view value) {
    std::string out;
    JsonWriter(out).String(value);
    return out;
}

// Parses `json` as a one-element array holding a string and returns that string.
std::string ReadBack(const std::string& quoted) {
    simdjson::dom::parser parser;
    std::string_view text;
    const auto error = parser.parse(simdjson::padded_string("[" + quoted + "]")).at(0).get_string().get(text);
    EXPECT_EQ(error, simdjson::SUCCESS) << quoted;
    return std::string(text);
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(Quote("plain"), "\"plain\"");
    EXPECT_EQ(Quote("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(Quote("\n\r\t"), R"("\u000a\u000d\u0009")");
    EXPECT_EQ(Quote(std::string("\0\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
    EXPECT_EQ(Quote("\x7f/"), "\"\x7f/\"");  // DEL and slash need no escape
    EXPECT_EQ(Quote(""), "\"\"");
}

TEST(JsonWriter, KeepsValidUtf8) {
    const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80 \xef\xbf\xbd";  // é € 🚀 U+FFFD
    EXPECT_EQ(Quote(text), "\"" + text + "\"");
    EXPECT_EQ(ReadBack(Quote(text)), text);
}

TEST(JsonWriter, ReplacesInvalidUtf8WithReplacementCharacter) {
    const std::string r = "\xef\xbf\xbd";
    EXPECT_EQ(Quote("a\xff"
                    "b"),
              "\"a" + r + "b\"");
    EXPECT_EQ(Quote("\x80"), "\"" + r + "\"");                          // lone continuation byte
    EXPECT_EQ(Quote("\xc0\xaf"), "\"" + r + r + "\"");                  // overlong '/'
    EXPECT_EQ(Quote("\xed\xa0\x80"), "\"" + r + r + r + "\"");          // UTF-16 surrogate
    EXPECT_EQ(Quote("\xf4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // above U+10FFFF
    EXPECT_EQ(Quote("\xe2\x82"), "\"" + r + "\"");                      // truncated at the end
    EXPECT_EQ(Quote("\xe2\x82"
                    "A"),
              "\"" + r + "A\"");                        // truncated before ASCII
    EXPECT_EQ(Quote("\xf0\x9f\x9a"), "\"" + r + "\"");  // truncated emoji
}

TEST(JsonWriter, AnyBytesGiveValidJson) {
    std::mt19937_64 rng(1234);
    for (int i = 0; i < 2000; ++i) {
        std::string bytes(rng() % 40, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng());
        const std::string quoted = Quote(bytes);
        simdjson::dom::parser parser;
        EXPECT_EQ(parser.parse(simdjson::padded_string("[" + quoted + "]")).error(), simdjson::SUCCESS) << quoted;
    }
}

TEST(JsonWriter, NumbersAndLiterals) {
    std::string out;
    JsonWriter w(out);
    w.BeginArray().Int(-42).Uint(18446744073709551615ULL).Int(std::numeric_limits<std::int64_t>::min());
    w.Double(0.1).Double(1e300).Double(-0.0).Double(2.0).Bool(true).Bool(false).Null().EndArray();
    EXPECT_EQ(out, "[-42,18446744073709551615,-9223372036854775808,0.1,1e+300,-0,2,true,false,null]");
}

TEST(JsonWriter, NonFiniteDoublesAreNull) {
    std::string out;
    JsonWriter(out)
        .BeginArray()
        .Double(std::nan(""))
        .Double(std::numeric_limits<double>::infinity())
        .Double(-std::numeric_limits<double>::infinity())
        .EndArray();
    EXPECT_EQ(out, "[null,null,null]");
}

TEST(JsonWriter, DoublesRoundTripExactly) {
    std::mt19937_64 rng(99);
    for (int i = 0; i < 10'000; ++i) {
        const double value = std::bit_cast<double>(rng());
        if (!std::isfinite(value)) continue;
        std::string out;
        JsonWriter(out).Double(value);
        double back = 0;
        const auto result = std::from_chars(out.data(), out.data() + out.size(), back);
        ASSERT_EQ(result.ec, std::errc()) << out;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(back), std::bit_cast<std::uint64_t>(value)) << out;
    }
}

TEST(JsonWriter, InsertsCommasInNestedStructures) {
    std::string out = "garbage-before:";
    out.clear();
    JsonWriter w(out);
    w.BeginObject();
    w.Key("a").Int(1);
    w.Key("b").BeginArray().Int(1).BeginObject().EndObject().BeginArray().EndArray().String("x").EndArray();
    w.Key("c").BeginObject().Key("d").Null().Key("e").Raw(R"({"r":[1]})").EndObject();
    w.Key("k\"ey").Bool(true);
    w.EndObject();
    EXPECT_EQ(out, R"({"a":1,"b":[1,{},[],"x"],"c":{"d":null,"e":{"r":[1]}},"k\"ey":true})");
}

TEST(JsonWriter, AppendsToExistingText) {
    std::string out = "prefix ";
    JsonWriter(out).BeginObject().Key("a").Int(1).EndObject();
    EXPECT_EQ(out, R"(prefix {"a":1})");
}

}  // namespace
}  // namespace cosmic::schema
