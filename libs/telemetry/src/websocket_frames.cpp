#include "websocket_frames.hpp"

#include <civetweb.h>

#include "json_text.hpp"

namespace cosmic::telemetry::detail {
namespace {

constexpr int kOpcodeMask = 0x0F;
constexpr int kFinBit = 0x80;

FrameAction Act(FrameAction::Kind kind) { return FrameAction{kind, 0, {}}; }

FrameAction Close(std::uint16_t code, std::string_view reason) {
    return FrameAction{FrameAction::Kind::kClose, code, reason};
}

}  // namespace

bool MayCarryCloseCode(std::uint16_t code) {
    // 1004-1006 and 1015 are reserved for reporting, never sent; 1016-2999 are unassigned; 3000-4999
    // belong to libraries and applications.
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

FrameAction FrameAssembler::OnFrame(int bits, std::string_view payload) {
    const int opcode = bits & kOpcodeMask;
    const bool fin = (bits & kFinBit) != 0;
    switch (opcode) {
        case MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE: {
            // Echo the client's status code, as RFC 6455 section 5.5.1 asks, but only one a close
            // frame may carry (section 7.4): echoing a reserved or unassigned code would make the
            // server the one breaking the protocol.
            if (payload.empty()) {
                return Close(kCloseNormal, "");
            }
            if (payload.size() == 1) {
                return Close(kCloseProtocolError, "close frame with a one-byte payload");
            }
            const auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8U) |
                                                         static_cast<unsigned char>(payload[1]));
            if (!MayCarryCloseCode(code)) {
                return Close(kCloseProtocolError, "invalid close code");
            }
            if (!IsValidUtf8(payload.substr(2))) {
                return Close(kCloseInvalidPayload, "close reason is not valid UTF-8");
            }
            return Close(code, "");
        }
        case MG_WEBSOCKET_OPCODE_PING:
            // Only reached when civetweb's own ping handling is off.
            return Act(FrameAction::Kind::kPong);
        case MG_WEBSOCKET_OPCODE_PONG:
            return Act(FrameAction::Kind::kContinue);
        case MG_WEBSOCKET_OPCODE_TEXT:
        case MG_WEBSOCKET_OPCODE_BINARY:
            if (in_message_) {
                return Close(kCloseProtocolError, "expected a continuation frame");
            }
            message_opcode_ = opcode;
            message_.clear();
            in_message_ = true;
            break;
        case MG_WEBSOCKET_OPCODE_CONTINUATION:
            if (!in_message_) {
                return Close(kCloseProtocolError, "unexpected continuation frame");
            }
            break;
        default:
            return Close(kCloseProtocolError, "unknown opcode");
    }
    if (message_.size() + payload.size() > max_message_bytes_) {
        return Close(kCloseTooBig, "message too big");
    }
    message_.append(payload);
    if (!fin) {
        return Act(FrameAction::Kind::kContinue);
    }
    in_message_ = false;
    if (message_opcode_ != MG_WEBSOCKET_OPCODE_TEXT) {
        return Close(kCloseUnsupportedData, "only text messages are accepted");
    }
    if (!IsValidUtf8(message_)) {
        return Close(kCloseInvalidPayload, "text message is not valid UTF-8");
    }
    return Act(FrameAction::Kind::kMessage);
}

}  // namespace cosmic::telemetry::detail
