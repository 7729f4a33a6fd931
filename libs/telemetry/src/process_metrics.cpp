#include "process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace cosmic::telemetry::detail {
namespace {

prometheus::Gauge& MakeGauge(prometheus::Registry& registry, const std::string& name, const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

/// Seconds since the epoch at which this process started: boot time + start ticks.
double ProcessStartTime() {
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    // Field 2 (comm) may contain spaces; the fields after its closing ')' are space-separated.
    const std::size_t paren = line.rfind(')');
    std::istringstream fields(paren == std::string::npos ? std::string() : line.substr(paren + 2));
    std::string field;
    unsigned long long start_ticks = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 22) {
            start_ticks = std::stoull(field);
            break;
        }
    }
    std::ifstream proc_stat("/proc/stat");
    std::string key;
    double boot_time = 0.0;
    while (proc_stat >> key) {
        if (key == "btime") {
            proc_stat >> boot_time;
            break;
        }
    }
    const long ticks_per_second = sysconf(_SC_CLK_TCK);
    if (boot_time <= 0.0 || start_ticks == 0 || ticks_per_second <= 0) {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    }
    return boot_time + static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
}

double CountOpenFds() {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return 0.0;
    }
    double count = 0.0;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') {
            count += 1.0;
        }
    }
    closedir(dir);
    return count - 1.0;  // the directory stream's own descriptor
}

}  // namespace

ProcessMetrics::ProcessMetrics(prometheus::Registry& registry)
    : resident_memory_(MakeGauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes.")),
      virtual_memory_(MakeGauge(registry, "process_virtual_memory_bytes", "Virtual memory size in bytes.")),
      start_time_(
          MakeGauge(registry, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.")),
      open_fds_(MakeGauge(registry, "process_open_fds", "Number of open file descriptors.")),
      max_fds_(MakeGauge(registry, "process_max_fds", "Maximum number of open file descriptors.")),
      threads_(MakeGauge(registry, "process_threads", "Number of OS threads in the process.")),
      cpu_seconds_(prometheus::BuildCounter()
                       .Name("process_cpu_seconds_total")
                       .Help("Total user and system CPU time spent in seconds.")
                       .Register(registry)
                       .Add({})) {
    start_time_.Set(ProcessStartTime());
    Update();
}

void ProcessMetrics::Update() {
    std::lock_guard lock(mutex_);
    const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
    std::ifstream statm("/proc/self/statm");
    double size_pages = 0.0;
    double resident_pages = 0.0;
    if (statm >> size_pages >> resident_pages) {
        virtual_memory_.Set(size_pages * page_size);
        resident_memory_.Set(resident_pages * page_size);
    }
    open_fds_.Set(CountOpenFds());
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        max_fds_.Set(static_cast<double>(limit.rlim_cur));
    }
    std::ifstream status("/proc/self/status");
    std::string key;
    while (status >> key) {
        if (key == "Threads:") {
            double threads = 0.0;
            status >> threads;
            threads_.Set(threads);
            break;
        }
    }
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        const auto seconds = [](const timeval& tv) {
            return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
        };
        const double cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
        // A Counter only increments, so add the growth since it was last brought up to date.
        // The lock is process-wide because servers sharing a registry share this series.
        static std::mutex cpu_mutex;
        std::lock_guard cpu_lock(cpu_mutex);
        const double reported = cpu_seconds_.Value();
        if (cpu > reported) {
            cpu_seconds_.Increment(cpu - reported);
        }
    }
}

}  // namespace cosmic::telemetry::detail
