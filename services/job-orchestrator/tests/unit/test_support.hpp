#pragma once
// Shared helpers for the orchestrator tests: temporary directories, a store on a fresh SQLite
// file, contexts, and reading outbox rows back as parsed events.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/outbox_message.hpp"
#include "cosmic/job_orchestrator/request_context.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"

namespace cosmic::orchestrator::testing {

/// A fresh directory under TMPDIR, removed with its content on destruction.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "cosmic-orch-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;  // best effort: a leftover temp dir must not fail a test
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string File(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& Path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline std::unique_ptr<SqliteJobStore> OpenStore(const TempDir& dir, const std::string& name = "orchestrator.db") {
    SqliteStoreOptions options;
    options.path = dir.File(name);
    options.synchronous = "NORMAL";
    return std::make_unique<SqliteJobStore>(options);
}

inline RequestContext UserContext(const std::string& user, bool admin = false, const std::string& correlation = "") {
    return MakeContext(Actor{ActorKind::kUser, user, admin}, correlation, "");
}

inline SubmitRequest MakeSubmit(const std::string& name = "render", const std::string& kind = "imaging",
                                int priority = 5) {
    SubmitRequest request;
    request.name = name;
    request.kind = kind;
    request.priority = priority;
    request.parameters = R"({"band":"L"})";
    return request;
}

/// Every outbox row (pending ones) in id order.
inline std::vector<OutboxRow> PendingRows(JobStore& store) {
    std::vector<OutboxRow> rows;
    std::vector<OutboxRow> page;
    std::int64_t after = 0;
    for (;;) {
        store.ReadPending(after, 1000, page);
        if (page.empty()) return rows;
        after = page.back().id;
        for (auto& row : page) rows.push_back(std::move(row));
    }
}

/// Parses an outbox row's value as its topic's event; fails the test on a violation.
inline schema::Event ParseRow(const OutboxRow& row) {
    schema::Parser parser;
    schema::Event event;
    const schema::TopicSpec* spec = schema::FindTopic(row.topic);
    EXPECT_NE(spec, nullptr) << row.topic;
    if (spec == nullptr) return event;
    if (auto violation = parser.Parse(spec->id, row.value, event)) {
        ADD_FAILURE() << "row " << row.id << " is not a valid " << row.topic << " event: " << violation->ToString();
    }
    return event;
}

/// Waits for `predicate` (polling every few ms) until the deadline; returns its last value.
inline bool WaitFor(const std::function<bool()>& predicate,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (predicate()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return predicate();
}

}  // namespace cosmic::orchestrator::testing
