// libFuzzer: what a WebSocket connection does with the frames civetweb hands it (fragment
// reassembly, the size cap, text-only UTF-8 messages, the close echo). The input is a sequence of
// frames, each one byte of FIN bit + opcode, one byte of length and that many payload bytes. A
// delivered message must be complete, within the cap and valid UTF-8; a close must carry a code a
// server may send (RFC 6455 §7.4).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "json_text.hpp"
#include "websocket_frames.hpp"

namespace {

constexpr std::size_t kMaxMessageBytes = 512;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using cosmic::telemetry::detail::FrameAction;
    cosmic::telemetry::detail::FrameAssembler frames(kMaxMessageBytes);
    std::size_t at = 0;
    while (at + 2 <= size) {
        const int bits = data[at];
        const std::size_t length = std::min<std::size_t>(data[at + 1], size - at - 2);
        const std::string_view payload(reinterpret_cast<const char*>(data + at + 2), length);
        at += 2 + length;
        const FrameAction action = frames.OnFrame(bits, payload);
        if (action.kind == FrameAction::Kind::kMessage) {
            const auto& message = frames.message();
            if (message.size() > kMaxMessageBytes || !cosmic::telemetry::detail::IsValidUtf8(message)) {
                __builtin_trap();
            }
        } else if (action.kind == FrameAction::Kind::kClose) {
            if (!cosmic::telemetry::detail::MayCarryCloseCode(action.close_code)) __builtin_trap();
            return 0;  // the connection ends here
        }
    }
    return 0;
}
