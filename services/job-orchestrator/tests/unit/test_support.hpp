#pragma once
// Shared helpers for the orchestrator tests: temporary directories, a store on a fresh SQLite
// file, contexts, and reading outbox rows back as parsed events.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/outbox_message.hpp"
#include "cosmic/job_orchestrator/request_context.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::orchestrator::testing {

/// A fresh temporary directory per test.
using TempDir = cosmic::testing::TempDir;

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

}  // namespace cosmic::orchestrator::testing
