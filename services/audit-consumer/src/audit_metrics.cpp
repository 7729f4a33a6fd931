#include "cosmic/audit_consumer/audit_metrics.hpp"

namespace cosmic::audit {

namespace {

prometheus::Family<prometheus::Counter>& Counters(prometheus::Registry& registry, const std::string& name,
                                                  const std::string& help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Gauge& SingleGauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

AuditMetrics::AuditMetrics(prometheus::Registry& registry)
    : stored_(Counters(registry, "cosmic_audit_rows_total", "Rows handed to the audit store, by outcome.")
                  .Add({{"outcome", "stored"}})),
      duplicates_(Counters(registry, "cosmic_audit_rows_total", "Rows handed to the audit store, by outcome.")
                      .Add({{"outcome", "duplicate"}})),
      invalid_(
          Counters(registry, "cosmic_audit_invalid_rows_total", "Stored rows that failed schema validation.").Add({})),
      batch_seconds_(prometheus::BuildHistogram()
                         .Name("cosmic_audit_batch_seconds")
                         .Help("Time to write one batch transaction (hash chain included).")
                         .Register(registry)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                                          0.25, 0.5, 1, 2.5})),
      store_errors_(
          Counters(registry, "cosmic_audit_store_errors_total", "Batch writes that failed (then retried).").Add({})),
      checkpoints_(
          Counters(registry, "cosmic_audit_checkpoints_total", "Checkpoints written (chain head + Merkle root).")
              .Add({})),
      purged_(Counters(registry, "cosmic_audit_purged_rows_total", "Rows removed by retention.").Add({})),
      chain_verified_gauge_(SingleGauge(registry, "cosmic_audit_chain_verified",
                                        "1 when the last verification of every chain passed, 0 when it failed.")),
      verify_seconds_(
          SingleGauge(registry, "cosmic_audit_verify_duration_seconds", "Duration of the last full verification.")),
      verify_timestamp_(SingleGauge(registry, "cosmic_audit_last_verify_timestamp_seconds",
                                    "Unix time of the last full verification.")) {}

void AuditMetrics::OnAppend(const AppendResult& result, double seconds) {
    const std::uint64_t invalid = result.inserted_invalid;
    stored_.Increment(static_cast<double>(result.inserted));
    duplicates_.Increment(static_cast<double>(result.duplicates));
    invalid_.Increment(static_cast<double>(invalid));
    checkpoints_.Increment(static_cast<double>(result.checkpoints));
    batch_seconds_.Observe(seconds);
    stored_total_ += result.inserted;
    duplicate_total_ += result.duplicates;
    invalid_total_ += invalid;
}

void AuditMetrics::OnVerify(const VerifyReport& report, std::int64_t now_ms) {
    chain_verified_ = report.ok ? 1 : 0;
    chain_verified_gauge_.Set(report.ok ? 1 : 0);
    verify_seconds_.Set(report.seconds);
    verify_timestamp_.Set(static_cast<double>(now_ms) / 1000.0);
}

}  // namespace cosmic::audit
