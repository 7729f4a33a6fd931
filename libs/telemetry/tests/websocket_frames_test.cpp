#include "websocket_frames.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cosmic::telemetry::detail {
namespace {

constexpr int kFin = 0x80;
constexpr int kContinuation = 0x0;
constexpr int kText = 0x1;
constexpr int kBinary = 0x2;
constexpr int kClose = 0x8;
constexpr int kPing = 0x9;
constexpr int kPong = 0xA;

using Kind = FrameAction::Kind;

TEST(FrameAssemblerTest, DeliversAFragmentedTextMessageWithControlFramesBetweenFragments) {
    FrameAssembler frames(64);
    EXPECT_EQ(frames.OnFrame(kText, "hel").kind, Kind::kContinue);
    EXPECT_EQ(frames.OnFrame(kFin | kPing, "p").kind, Kind::kPong);
    EXPECT_EQ(frames.OnFrame(kFin | kPong, "").kind, Kind::kContinue);
    EXPECT_EQ(frames.OnFrame(kContinuation, "lo ").kind, Kind::kContinue);
    ASSERT_EQ(frames.OnFrame(kFin | kContinuation, "w\xC3\xB6rld").kind, Kind::kMessage);
    EXPECT_EQ(frames.message(), "hello w\xC3\xB6rld");
    ASSERT_EQ(frames.OnFrame(kFin | kText, "next").kind, Kind::kMessage);
    EXPECT_EQ(frames.message(), "next");
}

TEST(FrameAssemblerTest, ClosesOnFragmentsOutOfOrder) {
    FrameAssembler frames(64);
    const FrameAction stray = frames.OnFrame(kFin | kContinuation, "x");
    EXPECT_EQ(stray.kind, Kind::kClose);
    EXPECT_EQ(stray.close_code, kCloseProtocolError);

    FrameAssembler interleaved(64);
    EXPECT_EQ(interleaved.OnFrame(kText, "a").kind, Kind::kContinue);
    const FrameAction second = interleaved.OnFrame(kFin | kText, "b");
    EXPECT_EQ(second.kind, Kind::kClose);
    EXPECT_EQ(second.close_code, kCloseProtocolError);
}

TEST(FrameAssemblerTest, ClosesOnAMessageOverTheCapCountedAcrossFragments) {
    FrameAssembler frames(8);
    EXPECT_EQ(frames.OnFrame(kText, "12345").kind, Kind::kContinue);
    const FrameAction action = frames.OnFrame(kFin | kContinuation, "6789");
    EXPECT_EQ(action.kind, Kind::kClose);
    EXPECT_EQ(action.close_code, kCloseTooBig);
}

TEST(FrameAssemblerTest, RefusesBinaryMessagesAndTextThatIsNotUtf8) {
    FrameAssembler binary(64);
    EXPECT_EQ(binary.OnFrame(kFin | kBinary, "\x01\x02").close_code, kCloseUnsupportedData);
    FrameAssembler text(64);
    EXPECT_EQ(text.OnFrame(kFin | kText, "\xC3\x28").close_code, kCloseInvalidPayload);
    FrameAssembler opcode(64);
    EXPECT_EQ(opcode.OnFrame(kFin | 0x3, "").close_code, kCloseProtocolError);
}

TEST(FrameAssemblerTest, EchoesTheClientsCloseCode) {
    FrameAssembler frames(64);
    const FrameAction action = frames.OnFrame(kFin | kClose, std::string("\x0F\xA0", 2) + "bye");
    EXPECT_EQ(action.kind, Kind::kClose);
    EXPECT_EQ(action.close_code, 4000);
    EXPECT_EQ(FrameAssembler(64).OnFrame(kFin | kClose, "").close_code, kCloseNormal);
}

// Found by fuzz_websocket: a close frame's code was echoed whatever it was, so a client sending
// 8463 (unassigned) or 1005 (reserved) got it back and the server broke RFC 6455 §7.4.
TEST(FrameAssemblerTest, AnswersACloseCodeNoFrameMayCarryWithProtocolError) {
    for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000, 8463, 65535}) {
        const std::string payload{static_cast<char>(code >> 8U), static_cast<char>(code & 0xFFU)};
        const FrameAction action = FrameAssembler(64).OnFrame(kFin | kClose, payload);
        EXPECT_EQ(action.kind, Kind::kClose) << code;
        EXPECT_EQ(action.close_code, kCloseProtocolError) << code;
    }
    EXPECT_EQ(FrameAssembler(64).OnFrame(kFin | kClose, "\x03").close_code, kCloseProtocolError);
    EXPECT_EQ(FrameAssembler(64).OnFrame(kFin | kClose, "\x03\xE8\xC3\x28").close_code, kCloseInvalidPayload);
    for (const std::uint16_t code : {1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999}) {
        const std::string payload{static_cast<char>(code >> 8U), static_cast<char>(code & 0xFFU)};
        EXPECT_EQ(FrameAssembler(64).OnFrame(kFin | kClose, payload + "bye").close_code, code);
    }
}

}  // namespace
}  // namespace cosmic::telemetry::detail
