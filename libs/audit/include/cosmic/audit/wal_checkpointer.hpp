#pragma once
/// Copies the WAL back into the database file from its own thread and connection (PASSIVE
/// checkpoints), so the writer's commits never wait for that random I/O. The writer keeps a
/// large automatic checkpoint only as a safety net should this thread fall behind.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

class WalCheckpointer {
  public:
    /// Opens its own connection to `path` and starts checkpointing every `interval`.
    WalCheckpointer(const std::string& path, bool durable, std::chrono::milliseconds interval, int busy_timeout_ms);
    /// Stops the thread (a running checkpoint finishes first).
    ~WalCheckpointer();
    WalCheckpointer(const WalCheckpointer&) = delete;
    WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  private:
    void Loop();

    std::unique_ptr<Database> db_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cosmic::audit
