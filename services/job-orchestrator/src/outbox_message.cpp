#include "cosmic/job_orchestrator/outbox_message.hpp"

#include <cstring>

namespace cosmic::orchestrator {
namespace {

void PutLength(std::uint32_t length, std::string& out) {
    char bytes[4];
    for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xffU);
    out.append(bytes, 4);
}

bool TakeField(std::string_view& bytes, std::string& out) {
    if (bytes.size() < 4) return false;
    std::uint32_t length = 0;
    for (int i = 0; i < 4; ++i) {
        length |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)])) << (8 * i);
    }
    bytes.remove_prefix(4);
    if (bytes.size() < length) return false;
    out.assign(bytes.data(), length);
    bytes.remove_prefix(length);
    return true;
}

}  // namespace

void EncodeHeaders(const kafka::Headers& headers, std::string& out) {
    out.clear();
    for (const kafka::Header& header : headers) {
        PutLength(static_cast<std::uint32_t>(header.name.size()), out);
        out.append(header.name);
        PutLength(static_cast<std::uint32_t>(header.value.size()), out);
        out.append(header.value);
    }
}

bool DecodeHeaders(std::string_view bytes, kafka::Headers& out) {
    std::size_t count = 0;
    while (!bytes.empty()) {
        if (out.size() <= count) out.emplace_back();
        kafka::Header& header = out[count];
        if (!TakeField(bytes, header.name) || !TakeField(bytes, header.value)) {
            out.resize(count);
            return false;
        }
        ++count;
    }
    out.resize(count);
    return true;
}

}  // namespace cosmic::orchestrator
