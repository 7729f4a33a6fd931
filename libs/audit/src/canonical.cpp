#include "cosmic/audit/canonical.hpp"

#include <cstdint>
#include <stdexcept>

namespace cosmic::audit {

namespace {

void PutInt(std::string& out, std::int64_t value) {
    const auto bits = static_cast<std::uint64_t>(value);
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((bits >> shift) & 0xff));
    }
}

void PutString(std::string& out, std::string_view value) {
    if (value.size() > UINT32_MAX) {
        throw std::length_error("audit record field larger than 4 GiB");
    }
    const auto size = static_cast<std::uint32_t>(value.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((size >> shift) & 0xff));
    }
    out.append(value);
}

}  // namespace

void EncodeCanonical(const AuditRecord& record, std::string& out) {
    out.clear();
    PutString(out, kCanonicalTag);
    PutString(out, record.topic);
    PutInt(out, record.partition);
    PutInt(out, record.offset);
    PutInt(out, record.valid ? 1 : 0);
    PutString(out, record.violation);
    PutString(out, record.raw);
    PutString(out, record.event_id);
    PutString(out, record.event_type);
    PutString(out, record.occurred_at);
    PutInt(out, record.occurred_at_ms);
    PutString(out, record.source);
    PutString(out, record.correlation_id);
    PutString(out, record.user_id);
    PutString(out, record.resource_id);
    PutString(out, record.job_id);
    PutString(out, record.action);
    PutString(out, record.payload);
}

Hash ChainHasher::RowHash(const Hash& prev, const AuditRecord& record) {
    EncodeCanonical(record, buffer_);
    sha_.Reset();
    sha_.Update(prev);
    sha_.Update(buffer_);
    return sha_.Finish();
}

}  // namespace cosmic::audit
