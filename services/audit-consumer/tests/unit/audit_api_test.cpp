// The audit HTTP API over a real server: auth on every route, filters, pagination, 400s that
// name the parameter, verification and the compliance report as JSON.

#include "cosmic/audit_consumer/audit_api.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <simdjson.h>

#include <cstring>

#include "cosmic/audit/audit_json.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeInvalid;
using testing::MakeRange;
using testing::MakeRecord;
using testing::RawDb;

constexpr std::int64_t kNow = 1767225600000 + 30 * kDayMs;

service::Authenticator::Entry Token(const std::string& token, const std::string& user, service::Role role) {
    service::Authenticator::Entry entry;
    const Hash digest = Sha256::Of(token);
    std::memcpy(entry.sha256.data(), digest.data(), digest.size());
    entry.principal = service::Principal{user, {role}};
    return entry;
}

class AuditApiTest : public testing::StoreTest {
  protected:
    void SetUp() override {
        Open();
        api_ = std::make_unique<AuditApi>(
            *store_, QueryLimits{10, 50, PageBudget{}}, [] { return kNow; },
            [this](const VerifyReport& r) { observed_ = r.ok ? 1 : 0; });
        telemetry::HttpServerOptions options;
        options.bind_address = "127.0.0.1";
        options.port = 0;
        http_ = std::make_unique<telemetry::HttpServer>(options, std::make_shared<prometheus::Registry>());
        auto auth = std::make_shared<service::Authenticator>(std::vector<service::Authenticator::Entry>{
            Token("auditor-token", "carol", service::Role::kAuditor),
            Token("admin-token", "root", service::Role::kAdmin), Token("user-token", "alice", service::Role::kUser)});
        api_->Register(*http_, auth);
        http_->Start();
    }
    void TearDown() override { http_->Stop(); }

    cosmic::testing::HttpResponse Get(const std::string& path, const std::string& token = "auditor-token") {
        return cosmic::testing::HttpClient(http_->Port()).Get(path, token);
    }

    std::unique_ptr<AuditApi> api_;
    std::unique_ptr<telemetry::HttpServer> http_;
    int observed_ = -1;
    simdjson::dom::parser json_;
};

TEST_F(AuditApiTest, EveryRouteRequiresAnAuditorOrAdmin) {
    for (const std::string path : {"/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/compliance-report"}) {
        const auto anonymous = Get(path, "");
        EXPECT_EQ(anonymous.status, 401) << path;
        EXPECT_THAT(anonymous.Header("WWW-Authenticate"), ::testing::StartsWith("Bearer")) << path;
        EXPECT_EQ(Get(path, "wrong-token").status, 401) << path;
        EXPECT_EQ(Get(path, "user-token").status, 403) << path;
        EXPECT_EQ(Get(path, "auditor-token").status, 200) << path;
        EXPECT_EQ(Get(path, "admin-token").status, 200) << path;
    }
}

TEST_F(AuditApiTest, QueriesWithFiltersAndPagesThroughWithTheCursor) {
    store_->AppendBatch(MakeRange(0, 0, 25, kNow - kDayMs));
    std::vector<AuditRecord> extra = {
        MakeRecord(1, 0, kNow, "job-x", "zed", "ALERT"),
        MakeInvalid(1, 1, kNow, std::string("\x01\x02\xff", 3), "document: invalid JSON")};
    store_->AppendBatch(extra);

    // Default limit 10, then follow next_cursor until null.
    std::size_t total = 0;
    std::string cursor;
    int pages = 0;
    do {
        const auto r = Get("/api/v1/audit" + (cursor.empty() ? "" : "?cursor=" + cursor));
        ASSERT_EQ(r.status, 200) << r.body;
        simdjson::dom::element doc = json_.parse(r.body);
        total += simdjson::dom::array(doc["events"]).size();
        cursor = doc["next_cursor"].is_null() ? "" : std::string(std::string_view(doc["next_cursor"]));
        ++pages;
    } while (!cursor.empty() && pages < 10);
    EXPECT_EQ(total, 27u);
    EXPECT_EQ(pages, 3);

    auto r = Get("/api/v1/audit?action=ALERT&user_id=zed");
    simdjson::dom::element doc = json_.parse(r.body);
    simdjson::dom::array events = doc["events"];
    ASSERT_EQ(events.size(), 1u);
    simdjson::dom::element alert = events.at(0);
    EXPECT_EQ(std::string_view(alert["resource_id"]), "job-x");
    EXPECT_EQ(std::string_view(alert["action"]), "ALERT");
    EXPECT_EQ(std::int64_t(alert["partition"]), 1);
    EXPECT_EQ(std::string_view(alert["hash"]).size(), 64u);
    EXPECT_TRUE(bool(alert["valid"]));
    EXPECT_TRUE(alert["payload"].is_object());

    r = Get("/api/v1/audit?valid=false");
    doc = json_.parse(r.body);
    simdjson::dom::element invalid = simdjson::dom::array(doc["events"]).at(0);
    EXPECT_FALSE(bool(invalid["valid"]));
    EXPECT_EQ(std::string_view(invalid["violation"]), "document: invalid JSON");
    EXPECT_EQ(std::string_view(invalid["raw_base64"]), "AQL/");
    EXPECT_TRUE(invalid["payload"].is_null());

    r = Get("/api/v1/audit?from=" + testing::FormatMs(kNow - kDayMs + 20000) + "&to=" + testing::FormatMs(kNow) +
            "&limit=50");
    doc = json_.parse(r.body);
    EXPECT_EQ(simdjson::dom::array(doc["events"]).size(), 5u);  // offsets 20..24 of partition 0
}

TEST_F(AuditApiTest, CapsTheLimit) {
    store_->AppendBatch(MakeRange(0, 0, 60, kNow));
    const auto r = Get("/api/v1/audit?limit=100000");
    ASSERT_EQ(r.status, 200);
    simdjson::dom::element doc = json_.parse(r.body);
    EXPECT_EQ(simdjson::dom::array(doc["events"]).size(), 50u);
    EXPECT_FALSE(doc["next_cursor"].is_null());
}

TEST_F(AuditApiTest, BadRequestsNameTheParameter) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"resourceId=job-1", "resourceId"},
        {"action=TELEPORT", "action"},
        {"from=yesterday", "from"},
        {"to=2026-02-30T00:00:00Z", "to"},
        {"valid=maybe", "valid"},
        {"limit=0", "limit"},
        {"limit=ten", "limit"},
        {"cursor=abc", "cursor"},
        {"order=sideways", "order"},
        {"user_id=", "user_id"},
        {"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to"},
        {"resource_id=" + std::string(300, 'r'), "resource_id"},
    };
    for (const auto& [query, field] : cases) {
        const auto r = Get("/api/v1/audit?" + query);
        EXPECT_EQ(r.status, 400) << query;
        simdjson::dom::element doc = json_.parse(r.body);
        EXPECT_EQ(std::string_view(doc["error"]["code"]), "bad_request");
        EXPECT_TRUE(std::string_view(doc["error"]["message"]).starts_with(field + ":")) << r.body;
    }
}

TEST_F(AuditApiTest, VerifyNamesTheFirstBadRow) {
    store_->AppendBatch(MakeRange(2, 0, 10, kNow));
    auto r = Get("/api/v1/audit/verify");
    simdjson::dom::element doc = json_.parse(r.body);
    EXPECT_TRUE(bool(doc["ok"]));
    EXPECT_EQ(std::int64_t(doc["rows_checked"]), 10);
    EXPECT_TRUE(doc["first_bad"].is_null());
    EXPECT_EQ(observed_, 1);

    RawDb(DbPath()).Exec("DELETE FROM audit_events WHERE \"offset\" = 4");
    r = Get("/api/v1/audit/verify");
    ASSERT_EQ(r.status, 200);
    doc = json_.parse(r.body);
    EXPECT_FALSE(bool(doc["ok"]));
    simdjson::dom::element bad = doc["first_bad"];
    EXPECT_EQ(std::string_view(bad["topic"]), "audit-trail");
    EXPECT_EQ(std::int64_t(bad["partition"]), 2);
    EXPECT_EQ(std::int64_t(bad["offset"]), 5);
    EXPECT_GT(std::int64_t(bad["row_id"]), 0);
    EXPECT_EQ(std::string_view(bad["reason"]), "prev_hash_mismatch");
    EXPECT_EQ(observed_, 0);
}

TEST_F(AuditApiTest, ComplianceReportHasEveryField) {
    store_->AppendBatch(MakeRange(0, 0, 8, kNow - 3 * kDayMs));
    store_->AppendBatch(std::vector<AuditRecord>{MakeInvalid(1, 0, kNow - kDayMs, "x", "document: invalid JSON")});
    store_->Checkpoint(kNow);
    const auto r = Get("/api/v1/audit/compliance-report", "admin-token");
    ASSERT_EQ(r.status, 200);
    simdjson::dom::element doc = json_.parse(r.body);
    EXPECT_EQ(std::int64_t(doc["total_events"]), 9);
    EXPECT_EQ(std::int64_t(doc["invalid_events"]), 1);
    EXPECT_EQ(std::int64_t(doc["resources_covered"]), 7);  // job-0 .. job-6
    EXPECT_EQ(std::int64_t(doc["jobs_covered"]), 7);
    EXPECT_EQ(std::string_view(doc["oldest_event"]), testing::FormatMs(kNow - 3 * kDayMs));
    EXPECT_EQ(std::string_view(doc["newest_event"]), testing::FormatMs(kNow - kDayMs));
    EXPECT_EQ(std::int64_t(doc["retention_days"]), 90);
    EXPECT_TRUE(bool(doc["retention_compliant"]));
    EXPECT_TRUE(bool(doc["chain_verified"]));
    EXPECT_EQ(std::string_view(doc["last_checkpoint"]["merkle_root"]).size(), 64u);
    EXPECT_EQ(std::string_view(doc["generated_at"]), testing::FormatMs(kNow));
}

TEST_F(AuditApiTest, ComplianceReportCountsAReportingPeriodPerEventTypeAndAction) {
    store_->AppendBatch(MakeRange(0, 0, 6, kNow - 3 * kDayMs));  // STATE_CHANGE, 3 days ago
    store_->AppendBatch(std::vector<AuditRecord>{MakeRecord(1, 0, kNow - kDayMs, "job-a", "u1", "ALERT"),
                                                 MakeRecord(1, 1, kNow - kDayMs + 1, "job-a", "u1", "ACCESS"),
                                                 MakeInvalid(2, 0, kNow - kDayMs, "x", "document: invalid JSON")});
    const auto whole = Get("/api/v1/audit/compliance-report");
    ASSERT_EQ(whole.status, 200) << whole.body;
    simdjson::dom::element doc = json_.parse(whole.body);
    EXPECT_TRUE(doc["period"]["from"].is_null());
    EXPECT_EQ(std::string_view(doc["period"]["to"]), testing::FormatMs(kNow));
    EXPECT_EQ(std::int64_t(doc["events_in_period"]), 9);
    EXPECT_EQ(std::int64_t(doc["invalid_in_period"]), 1);
    EXPECT_EQ(std::int64_t(doc["by_action"]["STATE_CHANGE"]), 6);
    EXPECT_EQ(std::int64_t(doc["by_event_type"]["audit.state_change"]), 6);
    EXPECT_EQ(std::int64_t(doc["by_event_type"]["audit.alert"]), 1);
    EXPECT_EQ(std::int64_t(doc["retention"]["days"]), 90);
    EXPECT_TRUE(bool(doc["retention"]["compliant"]));
    EXPECT_EQ(std::int64_t(doc["retention"]["overdue_events"]), 0);

    // The last two days only: the alert, the access and the invalid record.
    const std::string from = testing::FormatMs(kNow - 2 * kDayMs);
    const auto recent = Get("/api/v1/audit/compliance-report?from=" + from + "&to=" + testing::FormatMs(kNow));
    ASSERT_EQ(recent.status, 200) << recent.body;
    doc = json_.parse(recent.body);
    EXPECT_EQ(std::string_view(doc["period"]["from"]), from);
    EXPECT_EQ(std::int64_t(doc["events_in_period"]), 3);
    EXPECT_EQ(std::int64_t(doc["by_action"]["ALERT"]), 1);
    EXPECT_EQ(std::int64_t(doc["by_action"]["ACCESS"]), 1);
    EXPECT_TRUE(doc["by_action"]["STATE_CHANGE"].error() == simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(std::int64_t(doc["total_events"]), 9) << "the store totals stay whole-store";

    // The default implementation (any backend) counts the same as the SQLite override.
    const PeriodCounts fast = store_->CountPeriod({kNow - 2 * kDayMs, kNow});
    const PeriodCounts paged = store_->AuditStore::CountPeriod({kNow - 2 * kDayMs, kNow});
    EXPECT_EQ(fast.events, paged.events);
    EXPECT_EQ(fast.invalid, paged.invalid);
    EXPECT_EQ(fast.by_action, paged.by_action);
    EXPECT_EQ(fast.by_event_type, paged.by_event_type);

    for (const auto& [query, field] : std::vector<std::pair<std::string, std::string>>{
             {"from=soon", "from"}, {"limit=3", "limit"}, {"from=" + testing::FormatMs(kNow) + "&to=" + from, "to"}}) {
        const auto bad = Get("/api/v1/audit/compliance-report?" + query);
        EXPECT_EQ(bad.status, 400) << query;
        EXPECT_TRUE(std::string_view(json_.parse(bad.body)["error"]["message"]).starts_with(field + ":")) << bad.body;
    }
}

TEST_F(AuditApiTest, PagesOfHugeInvalidRecordsAreBoundedInBytesAndEachRowCanBeFetchedWhole) {
    // 40 invalid records of 900 KB each: one page of them used to be a 51 MB response.
    const std::string raw(900'000, 'j');
    std::vector<AuditRecord> records;
    for (int i = 0; i < 40; ++i) records.push_back(MakeInvalid(0, i, kNow, raw, "job_id: longer than 256 bytes"));
    store_->AppendBatch(records);

    const auto page = Get("/api/v1/audit?valid=false&limit=50");
    ASSERT_EQ(page.status, 200) << page.body.substr(0, 200);
    EXPECT_LT(page.body.size(), std::size_t{2} * 1024 * 1024);
    simdjson::dom::element doc = json_.parse(page.body);
    simdjson::dom::array events = doc["events"];
    ASSERT_EQ(events.size(), 40u);
    EXPECT_TRUE(doc["next_cursor"].is_null());
    simdjson::dom::element first = events.at(0);
    EXPECT_TRUE(bool(first["raw_truncated"]));
    EXPECT_EQ(std::uint64_t(first["raw_bytes"]), 900'000u);
    EXPECT_EQ(std::string_view(first["raw_base64"]), Base64(raw.substr(0, 16 * 1024)));

    const std::int64_t row_id = first["row_id"];
    const auto whole = Get("/api/v1/audit/events/" + std::to_string(row_id));
    ASSERT_EQ(whole.status, 200);
    simdjson::dom::element row = json_.parse(whole.body);
    EXPECT_EQ(std::string_view(row["raw_base64"]), Base64(raw));
    EXPECT_TRUE(row["raw_truncated"].error() == simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(Get("/api/v1/audit/events/999999").status, 404);
    EXPECT_EQ(Get("/api/v1/audit/events/abc").status, 400);
    EXPECT_EQ(Get("/api/v1/audit/events/" + std::to_string(row_id), "user-token").status, 403);
    EXPECT_EQ(Get("/api/v1/audit/events/" + std::to_string(row_id), "").status, 401);
}

TEST(AuditJsonTest, APageStopsAtItsByteBudgetButAlwaysHoldsOneRow) {
    StoredRecord row;
    row.record = testing::MakeInvalid(0, 0, kNow, std::string(3000, 'x'), "bad");
    row.row_id = 1;
    PageWriter page(PageBudget{10'000, 1'000});
    std::size_t added = 0;
    while (page.Add(row)) {
        ++added;
        ++row.row_id;
        ASSERT_LT(added, 100u);
    }
    EXPECT_GE(added, 2u);
    const std::string json = page.Finish(static_cast<std::int64_t>(added));
    EXPECT_LE(json.size(), 10'000u + 64);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(json);
    EXPECT_EQ(simdjson::dom::array(doc["events"]).size(), added);
    EXPECT_EQ(std::string_view(doc["next_cursor"]), std::to_string(added));

    PageWriter tiny(PageBudget{10, 1'000});
    EXPECT_TRUE(tiny.Add(row)) << "a row larger than the budget still makes a page of one";
    EXPECT_FALSE(tiny.Add(row));
}

TEST(AuditJsonTest, Base64MatchesRfc4648Vectors) {
    EXPECT_EQ(Base64(""), "");
    EXPECT_EQ(Base64("f"), "Zg==");
    EXPECT_EQ(Base64("fo"), "Zm8=");
    EXPECT_EQ(Base64("foo"), "Zm9v");
    EXPECT_EQ(Base64("foob"), "Zm9vYg==");
    EXPECT_EQ(Base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace cosmic::audit
