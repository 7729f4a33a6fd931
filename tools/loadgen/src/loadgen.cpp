#include "loadgen.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <thread>

namespace cosmic::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

template <class T>
bool ParseNumber(std::string_view text, T& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::size_t Keep(char* data, std::size_t size, std::size_t count, void* body) {
    auto* out = static_cast<std::string*>(body);
    // Only the start of a body is kept (for the first error message).
    if (out->size() < 512) out->append(data, std::min<std::size_t>(size * count, 512 - out->size()));
    return size * count;
}

/// One worker's results, merged at the end (no shared lock per request).
struct WorkerResult {
    std::vector<double> latencies_ms;
    std::uint64_t sent = 0;
    std::uint64_t accepted = 0;
    std::map<long, std::uint64_t> errors;
    double max_behind_ms = 0;
    std::string first_error;
};

void Worker(const Options& options, std::atomic<std::uint64_t>& next, Clock::time_point start, WorkerResult& result) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        result.first_error = "curl_easy_init failed";
        return;
    }
    const std::string url = options.url + "/api/v1/jobs";
    curl_slist* base_headers = nullptr;
    base_headers = curl_slist_append(base_headers, "Content-Type: application/json");
    base_headers = curl_slist_append(base_headers, ("Authorization: Bearer " + options.token).c_str());
    std::string body;
    std::string response;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Keep);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    for (;;) {
        const std::uint64_t i = next.fetch_add(1);
        if (i >= options.jobs) break;
        if (options.rate > 0) {
            const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(static_cast<double>(i) / options.rate));
            const auto now = Clock::now();
            if (now < due) {
                std::this_thread::sleep_until(due);
            } else {
                result.max_behind_ms =
                    std::max(result.max_behind_ms, std::chrono::duration<double, std::milli>(now - due).count());
            }
        }
        body = R"({"name":"loadgen job )" + std::to_string(i) + R"(","kind":")" + options.kind + R"(","priority":)" +
               std::to_string(options.priority) + R"(,"parameters":{"index":)" + std::to_string(i) + "}}";
        curl_slist* headers = base_headers;
        curl_slist* extra = nullptr;
        if (options.idempotency_keys) {
            extra = curl_slist_append(nullptr, ("Idempotency-Key: loadgen-" + std::to_string(i)).c_str());
            extra->next = base_headers;
            headers = extra;
        }
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
        response.clear();
        const auto sent_at = Clock::now();
        const CURLcode code = curl_easy_perform(curl);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_at).count();
        if (extra != nullptr) {
            extra->next = nullptr;
            curl_slist_free_all(extra);
        }
        ++result.sent;
        long status = 0;
        if (code == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 202) {
            ++result.accepted;
            result.latencies_ms.push_back(ms);
            continue;
        }
        ++result.errors[status];
        if (result.first_error.empty()) {
            result.first_error = code != CURLE_OK ? std::string(curl_easy_strerror(code))
                                                  : "HTTP " + std::to_string(status) + ": " + response;
        }
    }
    curl_slist_free_all(base_headers);
    curl_easy_cleanup(curl);
}

}  // namespace

std::string Usage() {
    return "usage: loadgen --url URL --token TOKEN --jobs N [--rate R] [--concurrency C] [--kind K]\n"
           "               [--priority P] [--timeout-ms MS] [--idempotency-keys]\n"
           "Submits N jobs (POST /api/v1/jobs) at R jobs/s (0 = unlimited) over C keep-alive connections\n"
           "and prints accepted/s, latency p50/p95/p99 and errors. Exit 0 when every job was accepted.\n";
}

std::optional<std::string> ParseArgs(int argc, const char* const* argv, Options& options, bool& help) {
    help = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            help = true;
            return std::nullopt;
        }
        if (arg == "--idempotency-keys") {
            options.idempotency_keys = true;
            continue;
        }
        if (i + 1 >= argc) return "missing value for " + std::string(arg);
        const std::string_view value = argv[++i];
        bool ok = true;
        if (arg == "--url") {
            options.url = std::string(value);
            while (!options.url.empty() && options.url.back() == '/') options.url.pop_back();
            ok = options.url.starts_with("http://") || options.url.starts_with("https://");
        } else if (arg == "--token") {
            options.token = std::string(value);
        } else if (arg == "--jobs") {
            ok = ParseNumber(value, options.jobs);
        } else if (arg == "--rate") {
            ok = ParseNumber(value, options.rate) && options.rate >= 0 && std::isfinite(options.rate);
        } else if (arg == "--concurrency") {
            ok = ParseNumber(value, options.concurrency) && options.concurrency >= 1 && options.concurrency <= 1024;
        } else if (arg == "--kind") {
            options.kind = std::string(value);
            ok = !options.kind.empty();
        } else if (arg == "--priority") {
            ok = ParseNumber(value, options.priority) && options.priority >= 0 && options.priority <= 9;
        } else if (arg == "--timeout-ms") {
            std::int64_t ms = 0;
            ok = ParseNumber(value, ms) && ms > 0;
            options.timeout = std::chrono::milliseconds(ms);
        } else {
            return "unknown option " + std::string(arg);
        }
        if (!ok) return "bad value for " + std::string(arg) + ": " + std::string(value);
    }
    if (options.token.empty()) return "--token is required";
    return std::nullopt;
}

double Percentile(std::vector<double>& values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double rank = std::ceil(q * static_cast<double>(values.size()));
    const std::size_t index = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
    return values[std::min(index, values.size() - 1)];
}

Report Run(const Options& options) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::vector<WorkerResult> results(static_cast<std::size_t>(options.concurrency));
    std::atomic<std::uint64_t> next{0};
    const auto start = Clock::now();
    {
        std::vector<std::thread> threads;
        threads.reserve(results.size());
        for (auto& result : results) {
            threads.emplace_back([&options, &next, start, &result] { Worker(options, next, start, result); });
        }
        for (auto& thread : threads) thread.join();
    }
    Report report;
    report.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::vector<double> latencies;
    for (WorkerResult& result : results) {
        report.sent += result.sent;
        report.accepted += result.accepted;
        for (const auto& [status, n] : result.errors) {
            report.errors_by_status[status] += n;
            report.errors += n;
        }
        report.max_behind_ms = std::max(report.max_behind_ms, result.max_behind_ms);
        if (report.first_error.empty()) report.first_error = result.first_error;
        latencies.insert(latencies.end(), result.latencies_ms.begin(), result.latencies_ms.end());
    }
    report.accepted_per_second =
        report.elapsed_seconds > 0 ? static_cast<double>(report.accepted) / report.elapsed_seconds : 0;
    report.p50_ms = Percentile(latencies, 0.50);
    report.p95_ms = Percentile(latencies, 0.95);
    report.p99_ms = Percentile(latencies, 0.99);
    report.max_ms = latencies.empty() ? 0 : latencies.back();
    curl_global_cleanup();
    return report;
}

std::string Format(const Report& report, const Options& options) {
    char line[512];
    std::string out;
    std::snprintf(
        line, sizeof(line), "target      %s  jobs %llu  rate %s  concurrency %d\n", options.url.c_str(),
        static_cast<unsigned long long>(options.jobs),
        options.rate > 0 ? (std::to_string(static_cast<long long>(options.rate)) + "/s").c_str() : "unlimited",
        options.concurrency);
    out += line;
    std::snprintf(line, sizeof(line), "accepted    %llu / %llu in %.2f s  =  %.1f jobs/s\n",
                  static_cast<unsigned long long>(report.accepted), static_cast<unsigned long long>(report.sent),
                  report.elapsed_seconds, report.accepted_per_second);
    out += line;
    std::snprintf(line, sizeof(line), "latency ms  p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", report.p50_ms,
                  report.p95_ms, report.p99_ms, report.max_ms);
    out += line;
    if (options.rate > 0) {
        std::snprintf(line, sizeof(line), "schedule    max %.1f ms behind\n", report.max_behind_ms);
        out += line;
    }
    std::snprintf(line, sizeof(line), "errors      %llu", static_cast<unsigned long long>(report.errors));
    out += line;
    for (const auto& [status, n] : report.errors_by_status) {
        std::snprintf(line, sizeof(line), "  %s: %llu", status == 0 ? "transport" : std::to_string(status).c_str(),
                      static_cast<unsigned long long>(n));
        out += line;
    }
    out += "\n";
    if (!report.first_error.empty()) out += "first error " + report.first_error + "\n";
    return out;
}

}  // namespace cosmic::loadgen
