// schema_bench: events/s of cosmic::schema::Parser (parse + validate into a reused Event) on one
// core, beside baselines measured in the same run on the same bytes:
//   memcpy          copying the message (a floor no parser beats)
//   ondemand-keys   simdjson on-demand touching every top-level key, no validation, values skipped
//   ondemand-fields simdjson on-demand reading every field the parser reads (strings, numbers, the
//                   payload's fields), no validation: the bare read a schema-checked parse is compared with
//   dom-parse       simdjson DOM parse of the whole document (validating JSON, no schema)
// and Serialize for the write side. Build in Release: -DCMAKE_BUILD_TYPE=Release.
//
//   schema_bench [--batches N] [--batch-size N]

#include <simdjson.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"

namespace {

// Thread CPU time, so time spent descheduled on a shared machine does not count as parsing time.
double CpuNowNs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}
using cosmic::schema::TopicId;

volatile std::size_t g_sink = 0;  // keeps results observable so loops are not optimised away

struct Result {
    std::string name;
    double mean_ns = 0;
    double p50_ns = 0;
    double p95_ns = 0;
    double p99_ns = 0;
};

// Runs `one` batches x batch_size times; percentiles are over per-batch mean ns/event (thread CPU time).
Result Measure(const std::string& name, int batches, int batch_size, const std::function<std::size_t()>& one) {
    for (int i = 0; i < batch_size * 10; ++i) g_sink = g_sink + one();  // warm-up
    std::vector<double> per_batch;
    per_batch.reserve(static_cast<std::size_t>(batches));
    double total = 0;
    for (int b = 0; b < batches; ++b) {
        const double start = CpuNowNs();
        std::size_t acc = 0;
        for (int i = 0; i < batch_size; ++i) acc += one();
        const double ns = CpuNowNs() - start;
        g_sink = g_sink + acc;
        per_batch.push_back(ns / batch_size);
        total += ns;
    }
    std::sort(per_batch.begin(), per_batch.end());
    const auto at = [&](double q) {
        return per_batch[static_cast<std::size_t>(q * static_cast<double>(per_batch.size() - 1))];
    };
    return {name, total / (static_cast<double>(batches) * batch_size), at(0.50), at(0.95), at(0.99)};
}

std::string TypicalEnvelope() {
    cosmic::schema::Event event = cosmic::schema::NewEvent(TopicId::kJobLifecycle, "job.completed", "job-orchestrator");
    event.correlation_id = cosmic::schema::NewUuid();
    event.user_id = "user-1042";
    event.job_id = cosmic::schema::NewUuid();
    event.payload =
        R"({"execution_time_ms":184233,"previous_status":"running","executor":"sim-executor-3","attempt":1})";
    return cosmic::schema::Serialize(event);
}

/// Reads a value the way a consumer that trusts its input would: strings unescaped, numbers
/// parsed, one nested object (the payload) walked field by field.
std::size_t ReadValue(simdjson::ondemand::value value, int depth = 0) {
    simdjson::ondemand::json_type type;
    if (value.type().get(type)) return 0;
    switch (type) {
        case simdjson::ondemand::json_type::string: {
            std::string_view text;
            return value.get_string().get(text) ? 0 : text.size();
        }
        case simdjson::ondemand::json_type::number: {
            double number = 0;
            return value.get_double().get(number) ? 0 : static_cast<std::size_t>(number) & 1;
        }
        case simdjson::ondemand::json_type::boolean: {
            bool flag = false;
            return value.get_bool().get(flag) ? 0 : flag;
        }
        case simdjson::ondemand::json_type::object: {
            simdjson::ondemand::object object;
            if (depth > 0 || value.get_object().get(object)) return 0;
            std::size_t n = 0;
            for (auto field : object) {
                std::string_view key;
                if (field.unescaped_key().get(key)) break;
                n += ReadValue(field.value(), depth + 1);
            }
            return n;
        }
        default:
            return 0;
    }
}

}  // namespace

int main(int argc, char** argv) {
    int batches = 2000;
    int batch_size = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--batches") == 0) batches = std::max(1, std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--batch-size") == 0) batch_size = std::max(1, std::atoi(argv[i + 1]));
    }
    const std::string message = TypicalEnvelope();

    cosmic::schema::Parser parser;
    cosmic::schema::Event event;
    if (auto violation = parser.Parse(TopicId::kJobLifecycle, message, event)) {
        std::fprintf(stderr, "sample message rejected: %s\n", violation->ToString().c_str());
        return 1;
    }

    std::vector<char> copy(message.size());
    simdjson::padded_string padded(message);
    std::vector<char> reusable(message.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::parser ondemand_parser;
    simdjson::dom::parser dom_parser;
    std::string out;

    std::vector<Result> results;
    results.push_back(Measure("memcpy", batches, batch_size, [&] {
        std::memcpy(copy.data(), message.data(), message.size());
        return static_cast<std::size_t>(copy[message.size() / 2]);
    }));
    results.push_back(Measure("ondemand-keys", batches, batch_size, [&] {
        std::size_t n = 0;
        simdjson::ondemand::document doc;
        if (ondemand_parser.iterate(padded).get(doc)) return n;
        simdjson::ondemand::object object;
        if (doc.get_object().get(object)) return n;
        for (auto field : object) {
            std::string_view key;
            if (field.unescaped_key().get(key)) break;
            n += key.size();
        }
        return n;
    }));
    results.push_back(Measure("ondemand-fields", batches, batch_size, [&] {
        // The message copied into a reused padded buffer first, as Parser::Parse must do with a
        // Kafka payload (librdkafka gives no padding).
        std::memcpy(reusable.data(), message.data(), message.size());
        std::size_t n = 0;
        simdjson::ondemand::document doc;
        if (ondemand_parser.iterate(reusable.data(), message.size(), reusable.size()).get(doc)) return n;
        simdjson::ondemand::object object;
        if (doc.get_object().get(object)) return n;
        for (auto field : object) {
            std::string_view key;
            if (field.unescaped_key().get(key)) break;
            n += ReadValue(field.value());
        }
        return n;
    }));
    results.push_back(Measure("dom-parse", batches, batch_size, [&] {
        simdjson::dom::element root;
        return dom_parser.parse(padded).get(root) ? std::size_t{0} : std::size_t{1};
    }));
    results.push_back(Measure("Parser::Parse", batches, batch_size, [&] {
        const auto violation = parser.Parse(TopicId::kJobLifecycle, message, event);
        return violation ? std::size_t{0} : event.payload.size();
    }));
    results.push_back(Measure("Serialize", batches, batch_size, [&] {
        cosmic::schema::Serialize(event, out);
        return out.size();
    }));

    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("schema_bench: job-lifecycle envelope of %zu bytes, %d batches x %d events, one thread, CPU time\n",
                message.size(), batches, batch_size);
    std::printf("%-15s %12s %10s %10s %10s %10s %14s\n", "case", "events/s", "ns/event", "p50", "p95", "p99",
                "vs Parse");
    const double parse_ns = std::find_if(results.begin(), results.end(), [](const Result& r) {
                                return r.name == "Parser::Parse";
                            })->mean_ns;
    for (const auto& r : results) {
        std::printf("%-15s %12.0f %10.1f %10.1f %10.1f %10.1f %13.2fx\n", r.name.c_str(), 1e9 / r.mean_ns, r.mean_ns,
                    r.p50_ns, r.p95_ns, r.p99_ns, r.mean_ns / parse_ns);
    }
    std::printf("max RSS: %ld KiB\n", usage.ru_maxrss);
    return 0;
}
