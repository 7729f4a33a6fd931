#include "cosmic/audit/wal_checkpointer.hpp"

#include <spdlog/spdlog.h>

namespace cosmic::audit {

WalCheckpointer::WalCheckpointer(const std::string& path, bool durable, std::chrono::milliseconds interval,
                                 int busy_timeout_ms)
    : db_(std::make_unique<Database>(path, Database::Mode::kReadWrite, busy_timeout_ms)), interval_(interval) {
    // The checkpoint's own fsyncs follow the store's durability setting.
    db_->Exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db_->Exec("PRAGMA wal_autocheckpoint = 0");
    thread_ = std::thread([this] { Loop(); });
}

WalCheckpointer::~WalCheckpointer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void WalCheckpointer::Loop() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [&] { return stopping_; })) {
        lock.unlock();
        int wal_frames = 0;
        int copied = 0;
        const int rc =
            sqlite3_wal_checkpoint_v2(db_->Handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
            spdlog::warn("sqlite: WAL checkpoint of {} failed: {}", db_->Path(), sqlite3_errstr(rc));
        }
        lock.lock();
    }
}

}  // namespace cosmic::audit
