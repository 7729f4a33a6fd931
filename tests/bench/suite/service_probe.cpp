#include "service_probe.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cosmic/testing/http_client.hpp"
#include "support/process_stats.hpp"
#include "support/prometheus_text.hpp"

namespace cosmic::bench {

using Clock = std::chrono::steady_clock;

ServiceProbe::ServiceProbe(const std::string& name, const std::filesystem::path& binary,
                           const std::filesystem::path& run_dir, const std::string& tag, const std::string& bootstrap,
                           std::map<std::string, std::string> env) {
    testing::ServiceOptions options;
    options.name = name;
    options.binary = binary;
    options.run_dir = run_dir / (name + "-" + tag);
    options.tokens = {{kBenchToken, "bench-admin", {"admin", "auditor", "user"}}};
    env.emplace("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
    env.emplace("COSMIC_CONSUMER_GROUP_ID", name + "-bench-" + tag + "-" + std::to_string(::getpid()));
    env.emplace("COSMIC_INSTANCE_ID", name + "-bench");
    env.emplace("COSMIC_LOG_LEVEL", "warn");
    options.env = std::move(env);
    process_ = std::make_unique<testing::ServiceProcess>(std::move(options));
}

ServiceProbe::~ServiceProbe() = default;

void ServiceProbe::Start() { process_->Start(); }

void ServiceProbe::Stop() { process_->Stop(); }

std::string ServiceProbe::Scrape() const {
    const testing::HttpResponse response = testing::HttpClient(process_->BaseUrl()).Get("/metrics");
    if (response.status != 200) throw std::runtime_error(process_->Name() + " /metrics: " + response.Describe());
    return response.body;
}

double ServiceProbe::Consumed() const { return e2e::SumSamples(Scrape(), "cosmic_events_consumed_total"); }

Throughput ServiceProbe::WaitConsumed(double count, std::chrono::milliseconds timeout) {
    const auto give_up = Clock::now() + timeout;
    Throughput result;
    Clock::time_point first;
    double first_count = 0;
    double first_cpu = 0;
    for (;;) {
        const double seen = Consumed();
        const auto now = Clock::now();
        if (seen > 0 && first_count == 0) {
            first = now;
            first_count = seen;
            first_cpu = CpuSeconds();
        }
        if (seen >= count) {
            result.events = static_cast<long>(seen - first_count);
            result.seconds = std::chrono::duration<double>(now - first).count();
            result.cpu_seconds = CpuSeconds() - first_cpu;
            return result;
        }
        if (now > give_up) {
            throw std::runtime_error(process_->Name() + ": " + std::to_string(static_cast<long>(seen)) + " of " +
                                     std::to_string(static_cast<long>(count)) + " events consumed before the timeout");
        }
        if (!process_->Running()) throw std::runtime_error(process_->Name() + " exited: " + process_->LogTail());
        // Sampling the counter is the measurement: every 10 ms keeps the error of the rate small
        // without the scrapes costing the service noticeable CPU.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

double ServiceProbe::CpuSeconds() const {
    std::ifstream stat("/proc/" + std::to_string(process_->Pid()) + "/stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    double utime = 0;
    double stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) {
            stime = std::stod(field);
            break;
        }
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ServiceProbe::RssMiB() const { return static_cast<double>(e2e::RssBytes(process_->Pid())) / (1024.0 * 1024.0); }

}  // namespace cosmic::bench
