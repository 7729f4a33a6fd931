#pragma once
/// The audit-consumer's own metrics (the runner exports the consumer ones). References are
/// resolved once here; the hot path only increments them.
///
///   cosmic_audit_rows_total{outcome="stored"|"duplicate"}   rows handed to the store
///   cosmic_audit_invalid_rows_total                         stored rows that failed validation
///   cosmic_audit_batch_seconds                              batch transaction time (histogram)
///   cosmic_audit_store_errors_total                         failed batch writes (retried)
///   cosmic_audit_checkpoints_total                          checkpoints written
///   cosmic_audit_purged_rows_total                          rows removed by retention
///   cosmic_audit_chain_verified                             1 when the last verification passed, 0 when it failed
///   cosmic_audit_verify_duration_seconds                    duration of the last verification
///   cosmic_audit_last_verify_timestamp_seconds              when it ran

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <atomic>
#include <cstdint>

#include "cosmic/audit/audit_store.hpp"

namespace cosmic::audit {

class AuditMetrics {
  public:
    explicit AuditMetrics(prometheus::Registry& registry);

    void OnAppend(const AppendResult& result, double seconds);
    void OnStoreError() {
        store_errors_.Increment();
        ++store_error_total_;
    }
    void OnCheckpoints(std::size_t count) { checkpoints_.Increment(static_cast<double>(count)); }
    void OnPurge(const PurgeResult& result) { purged_.Increment(static_cast<double>(result.deleted_rows)); }
    void OnVerify(const VerifyReport& report, std::int64_t now_ms);

    // Totals for the heartbeat.
    std::uint64_t Stored() const { return stored_total_.load(); }
    std::uint64_t Duplicates() const { return duplicate_total_.load(); }
    std::uint64_t Invalid() const { return invalid_total_.load(); }
    std::uint64_t StoreErrors() const { return store_error_total_.load(); }
    /// -1 before the first verification, else 1 (ok) or 0 (failed).
    int ChainVerified() const { return chain_verified_.load(); }

  private:
    prometheus::Counter& stored_;
    prometheus::Counter& duplicates_;
    prometheus::Counter& invalid_;
    prometheus::Histogram& batch_seconds_;
    prometheus::Counter& store_errors_;
    prometheus::Counter& checkpoints_;
    prometheus::Counter& purged_;
    prometheus::Gauge& chain_verified_gauge_;
    prometheus::Gauge& verify_seconds_;
    prometheus::Gauge& verify_timestamp_;

    std::atomic<std::uint64_t> stored_total_{0};
    std::atomic<std::uint64_t> duplicate_total_{0};
    std::atomic<std::uint64_t> invalid_total_{0};
    std::atomic<std::uint64_t> store_error_total_{0};
    std::atomic<int> chain_verified_{-1};
};

}  // namespace cosmic::audit
