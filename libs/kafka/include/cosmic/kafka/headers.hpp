#pragma once
/// Kafka record headers: the names the suite puts on every message (DESIGN.md §5), an owning
/// header for producing, and a read-only view over a consumed message's headers.

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cosmic::kafka {

namespace header {
inline constexpr std::string_view kEventType = "event_type";
inline constexpr std::string_view kSchemaVersion = "schema_version";
inline constexpr std::string_view kCorrelationId = "correlation_id";
inline constexpr std::string_view kContentType = "content-type";
inline constexpr std::string_view kTraceparent = "traceparent";
inline constexpr std::string_view kJsonContentType = "application/json";
}  // namespace header

/// One header to produce. Kafka allows repeated names; order is kept.
struct Header {
    std::string name;
    std::string value;

    friend bool operator==(const Header&, const Header&) = default;
};

using Headers = std::vector<Header>;

/// Read-only headers of a consumed record. Views either a librdkafka message (parsed lazily on
/// first use) or an owned list (tests, replay); a default-constructed view is empty. The viewed
/// object must outlive the view.
class HeaderView {
public:
    HeaderView() = default;
    explicit HeaderView(const rd_kafka_message_t* message) noexcept : message_(message) {}
    explicit HeaderView(const Headers* headers) noexcept : list_(headers) {}

    /// The value of the last header named `name` (a null value reads as ""), nullopt if absent.
    std::optional<std::string_view> Get(std::string_view name) const;
    std::size_t Size() const;
    /// The i-th header in wire order (i < Size()).
    std::pair<std::string_view, std::string_view> At(std::size_t index) const;
    /// Copies every header, in order.
    Headers ToHeaders() const;

private:
    const rd_kafka_headers_t* Native() const;

    const rd_kafka_message_t* message_ = nullptr;
    const Headers* list_ = nullptr;
};

}  // namespace cosmic::kafka
