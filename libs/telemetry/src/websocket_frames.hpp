#pragma once
/// What a WebSocket connection does with each frame civetweb hands it (RFC 6455 §5.4-5.6):
/// fragment reassembly, the message size cap, text-only UTF-8 messages and the close echo.
/// Kept apart from civetweb so the rules can be unit-tested and fuzzed frame by frame.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cosmic::telemetry::detail {

inline constexpr std::uint16_t kCloseNormal = 1000;
inline constexpr std::uint16_t kCloseGoingAway = 1001;
inline constexpr std::uint16_t kCloseProtocolError = 1002;
inline constexpr std::uint16_t kCloseUnsupportedData = 1003;
inline constexpr std::uint16_t kCloseInvalidPayload = 1007;
inline constexpr std::uint16_t kCloseTooBig = 1009;
inline constexpr std::uint16_t kCloseInternalError = 1011;

/// True for the status codes a close frame may carry (RFC 6455 §7.4).
bool MayCarryCloseCode(std::uint16_t code);

/// The reply to one frame.
struct FrameAction {
    enum class Kind {
        kContinue,  ///< keep reading (a fragment, a pong)
        kPong,      ///< answer a ping with its payload
        kMessage,   ///< a complete text message: FrameAssembler::message()
        kClose,     ///< send a close frame with `close_code` and end the connection
    };
    Kind kind = Kind::kContinue;
    std::uint16_t close_code = 0;
    std::string_view close_reason;  ///< a string literal
};

/// One connection's frame state; used by the worker thread that owns the connection only.
class FrameAssembler {
  public:
    explicit FrameAssembler(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

    /// `bits` is civetweb's first frame byte (FIN bit and opcode), `payload` the unmasked data.
    FrameAction OnFrame(int bits, std::string_view payload);

    /// The message a kMessage action delivered; valid until the next OnFrame.
    const std::string& message() const { return message_; }

  private:
    const std::size_t max_message_bytes_;
    std::string message_;
    int message_opcode_ = 0;
    bool in_message_ = false;
};

}  // namespace cosmic::telemetry::detail
