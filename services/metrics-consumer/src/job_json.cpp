#include "cosmic/metrics_consumer/job_json.hpp"

#include "cosmic/metrics_consumer/quantile_sketch.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::metrics {

namespace {

/// min/max/avg/last inside an object the caller opened.
void WriteStats(schema::JsonWriter& writer, const FieldStats& stats, std::uint64_t samples) {
    writer.Key("min").Double(stats.min);
    writer.Key("max").Double(stats.max);
    writer.Key("avg").Double(stats.Average(samples));
    writer.Key("last").Double(stats.last);
}

void WriteField(schema::JsonWriter& writer, std::string_view name, const FieldStats& stats, std::uint64_t samples) {
    writer.Key(name).BeginObject();
    WriteStats(writer, stats, samples);
    writer.EndObject();
}

void WriteTimestamp(schema::JsonWriter& writer, std::string_view name, std::int64_t epoch_ms) {
    writer.Key(name).String(schema::FormatTimestamp(epoch_ms));
}

}  // namespace

void WriteJob(schema::JsonWriter& writer, const JobSnapshot& job) {
    writer.BeginObject();
    writer.Key("job_id").String(job.job_id);
    writer.Key("user_id").String(job.user_id);
    writer.Key("samples").Uint(job.samples);
    WriteTimestamp(writer, "first_seen", job.first_seen_ms);
    WriteTimestamp(writer, "last_seen", job.last_seen_ms);
    WriteTimestamp(writer, "updated_at", job.updated_ms);
    WriteField(writer, "cpu_percent", job.cpu_percent, job.samples);
    WriteField(writer, "memory_mb", job.memory_mb, job.samples);
    WriteField(writer, "io_read_mb", job.io_read_mb, job.samples);
    WriteField(writer, "io_write_mb", job.io_write_mb, job.samples);
    writer.Key("execution_time_ms").BeginObject();
    WriteStats(writer, job.execution_time_ms, job.samples);
    writer.Key("p50").Double(job.execution_p50_ms);
    writer.Key("p95").Double(job.execution_p95_ms);
    writer.Key("p99").Double(job.execution_p99_ms);
    writer.Key("relative_error").Double(kRelativeAccuracy);
    writer.EndObject();
    writer.EndObject();
}

std::string JobJson(const JobSnapshot& job) {
    std::string out;
    schema::JsonWriter writer(out);
    WriteJob(writer, job);
    return out;
}

std::string JobUpdateMessage(const JobSnapshot& job) {
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject();
    writer.Key("type").String("job_metrics");
    writer.Key("job");
    WriteJob(writer, job);
    writer.EndObject();
    return out;
}

std::string SummaryJson(const SummaryView& summary) {
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject();
    writer.Key("jobs_tracked").Uint(summary.totals.jobs);
    writer.Key("max_jobs").Uint(summary.totals.max_jobs);
    writer.Key("ttl_seconds").Int(summary.ttl_seconds);
    writer.Key("samples_total").Uint(summary.totals.samples);
    writer.Key("samples_per_second").Double(summary.samples_per_second);
    writer.Key("duplicates_total").Uint(summary.totals.duplicates);
    writer.Key("evicted_lru_total").Uint(summary.totals.evicted_lru);
    writer.Key("evicted_ttl_total").Uint(summary.totals.evicted_ttl);
    writer.Key("top_by").String(summary.top_by);
    writer.Key("top_scope").String(summary.all_users ? "all" : "user");
    writer.Key("top").BeginArray();
    for (const TopEntry& entry : summary.top) {
        writer.BeginObject();
        writer.Key("job_id").String(entry.job_id);
        writer.Key("user_id").String(entry.user_id);
        writer.Key("samples").Uint(entry.samples);
        writer.Key("cpu_percent_avg").Double(entry.cpu_avg);
        writer.Key("memory_mb_max").Double(entry.memory_max);
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    return out;
}

}  // namespace cosmic::metrics
