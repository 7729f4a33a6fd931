#include "cosmic/audit_consumer/audit_ingest.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

AuditIngest::AuditIngest(AuditStore& store, AuditMetrics& metrics, Clock clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

kafka::Outcome AuditIngest::HandleBatch(std::span<const kafka::Record> records) {
    if (batch_.size() < records.size()) batch_.resize(records.size());
    const std::int64_t now_ms = clock_();
    for (std::size_t i = 0; i < records.size(); ++i) mapper_.Map(records[i], now_ms, batch_[i]);

    const auto started = std::chrono::steady_clock::now();
    try {
        const AppendResult result = store_.AppendBatch(std::span<const AuditRecord>(batch_.data(), records.size()));
        metrics_.OnAppend(result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        return kafka::Outcome::kOk;
    } catch (const StoreError& error) {
        metrics_.OnStoreError();
        std::uint64_t suppressed = 0;
        if (error_log_.Allow(suppressed)) {
            spdlog::error("audit store: writing a batch of {} records failed, will retry: {} ({} similar suppressed)",
                          records.size(), error.what(), suppressed);
        }
        return kafka::Outcome::kRetry;
    }
}

}  // namespace cosmic::audit
