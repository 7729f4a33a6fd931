#include "cosmic/kafka/headers.hpp"

#include <utility>

namespace cosmic::kafka {

const rd_kafka_headers_t* HeaderView::Native() const {
    if (message_ == nullptr) {
        return nullptr;
    }
    rd_kafka_headers_t* headers = nullptr;
    // librdkafka parses the wire headers on the first call and caches them in the message.
    if (rd_kafka_message_headers(message_, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return nullptr;
    }
    return headers;
}

std::optional<std::string_view> HeaderView::Get(std::string_view name) const {
    if (list_ != nullptr) {
        for (auto it = list_->rbegin(); it != list_->rend(); ++it) {
            if (it->name == name) {
                return std::string_view(it->value);
            }
        }
        return std::nullopt;
    }
    const rd_kafka_headers_t* headers = Native();
    if (headers == nullptr) {
        return std::nullopt;
    }
    // Walk backwards: the last occurrence wins, as in Kafka's Headers.lastHeader().
    for (std::size_t i = rd_kafka_header_cnt(headers); i > 0; --i) {
        const char* header_name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        if (rd_kafka_header_get_all(headers, i - 1, &header_name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            continue;
        }
        if (name == header_name) {
            return value == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(value), size);
        }
    }
    return std::nullopt;
}

std::size_t HeaderView::Size() const {
    if (list_ != nullptr) {
        return list_->size();
    }
    const rd_kafka_headers_t* headers = Native();
    return headers == nullptr ? 0 : rd_kafka_header_cnt(headers);
}

std::pair<std::string_view, std::string_view> HeaderView::At(std::size_t index) const {
    if (list_ != nullptr) {
        const Header& header = list_->at(index);
        return {header.name, header.value};
    }
    const rd_kafka_headers_t* headers = Native();
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    if (headers == nullptr ||
        rd_kafka_header_get_all(headers, index, &name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return {};
    }
    return {name, value == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(value), size)};
}

Headers HeaderView::ToHeaders() const {
    Headers out;
    const std::size_t count = Size();
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto [name, value] = At(i);
        out.push_back(Header{std::string(name), std::string(value)});
    }
    return out;
}

}  // namespace cosmic::kafka
