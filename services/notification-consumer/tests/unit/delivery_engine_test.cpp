// The delivery engine on its own: real store, real SMTP sink and webhook receiver, no Kafka
// (receipts are recorded as published).

#include "cosmic/notification_consumer/delivery_engine.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "cosmic/schema/parser.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using std::chrono::milliseconds;
using testing::SmtpSink;

class DeliveryEngineTest : public ::testing::Test {
  protected:
    void Build(const std::string& smtp_url, int max_attempts = 3, std::size_t max_in_flight = 100) {
        StoreSettings store;
        store.path = (dir_.Path() / "n.db").string();
        store.durable = false;
        store_ = std::make_unique<NotificationStore>(store);
        EngineOptions options;
        options.delivery.workers = 4;
        options.delivery.max_attempts = max_attempts;
        options.delivery.max_in_flight = max_in_flight;
        options.delivery.backoff_base = milliseconds(5);
        options.delivery.backoff_max = milliseconds(20);
        options.smtp.url = smtp_url;
        options.smtp.from = "noreply@cosmic.test";
        options.smtp.starttls = StartTls::kOff;
        engine_ = std::make_unique<DeliveryEngine>(options, *store_, nullptr, nullptr, metrics_,
                                                   [] { return schema::NowEpochMs(); });
        engine_->Start();
    }
    void TearDown() override {
        if (engine_) engine_->Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    }

    schema::Event Event(int i, const std::string& user) {
        schema::Parser parser;
        schema::Event event;
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        EXPECT_FALSE(parser
                         .Parse(schema::TopicId::kJobLifecycle,
                                testing::LifecycleJson(id, "job.completed", "job-" + std::to_string(i), user), event)
                         .has_value());
        return event;
    }

    bool Deliver(const schema::Event& event, const Directory& directory) {
        DeliveryEngine::Ticket ticket;
        const auto result = engine_->Offer(event, JobOutcome::kCompleted, directory, "", ticket);
        if (result == DeliveryEngine::OfferResult::kDone) return true;
        EXPECT_EQ(result, DeliveryEngine::OfferResult::kPending);
        return engine_->WaitDone(std::span(&ticket, 1), std::chrono::steady_clock::now() + std::chrono::seconds(20));
    }

    testing::ScratchDir dir_;
    prometheus::Registry registry_;
    NotifyMetrics metrics_{registry_};
    std::unique_ptr<NotificationStore> store_;
    std::unique_ptr<DeliveryEngine> engine_;
};

TEST_F(DeliveryEngineTest, DeliversEveryChannelOnceAndARedeliveryIsANoOp) {
    SmtpSink sink;
    const std::string secret = "whsec-0123456789abcdef";
    testing::WebhookReceiver receiver({{"u1", secret}});
    Build(sink.Url());
    const auto directory = Directory::Parse(R"({"users":[{"user_id":"u1","email":"u1@example.com","webhook_url":")" +
                                                receiver.UrlFor("u1") + R"(","webhook_secret":")" + secret +
                                                R"(","channels":["email","in_app","webhook"]}]})",
                                            10);
    const schema::Event event = Event(1, "u1");
    ASSERT_TRUE(Deliver(event, *directory));
    EXPECT_EQ(sink.Count(), 1u);
    ASSERT_EQ(receiver.Count(), 1u);
    EXPECT_TRUE(receiver.Hooks()[0].signature_valid);
    EXPECT_EQ(store_->List("u1", false, 10, std::nullopt).items.size(), 1u);
    EXPECT_EQ(engine_->InFlight(), 0u);

    DeliveryEngine::Ticket ticket;
    EXPECT_EQ(engine_->Offer(event, JobOutcome::kCompleted, *directory, "", ticket),
              DeliveryEngine::OfferResult::kDone);
    EXPECT_EQ(sink.Count(), 1u) << "no second mail";
    EXPECT_EQ(receiver.Count(), 1u) << "no second POST";
    EXPECT_EQ(metrics_.Total(DeliveryState::kSent), 3u);
}

TEST_F(DeliveryEngineTest, RetriesThenRecordsTheFailureWhileOtherChannelsSucceed) {
    Build("smtp://127.0.0.1:" + std::to_string(testing::ClosedPort()), 3);
    const auto directory =
        Directory::Parse(R"({"users":[{"user_id":"u1","email":"u1@example.com","channels":["email","in_app"]}]})", 10);
    const schema::Event event = Event(2, "u1");
    ASSERT_TRUE(Deliver(event, *directory));
    const EventRecords records = store_->Lookup(event.event_id);
    const auto email = records[static_cast<std::size_t>(schema::Channel::kEmail)];
    ASSERT_TRUE(email.has_value());
    EXPECT_EQ(email->state, DeliveryState::kFailed);
    EXPECT_EQ(email->attempts, 3);
    EXPECT_TRUE(email->receipt);
    EXPECT_EQ(records[static_cast<std::size_t>(schema::Channel::kInApp)]->state, DeliveryState::kSent);
    EXPECT_EQ(metrics_.RetriesTotal(), 2u);
}

TEST_F(DeliveryEngineTest, UnknownUsersGetInAppOnlyAndATransientFailureHeals) {
    SmtpSink sink;
    sink.SetMode(SmtpSink::Mode::kTransientFailure);
    Build(sink.Url(), 50);
    const auto directory =
        Directory::Parse(R"({"users":[{"user_id":"u1","email":"u1@example.com","channels":["email"]}]})", 10);
    ASSERT_TRUE(Deliver(Event(3, "stranger"), *directory));
    EXPECT_EQ(store_->List("stranger", false, 10, std::nullopt).items.size(), 1u);
    EXPECT_EQ(metrics_.UnknownUsers(), 1u);

    DeliveryEngine::Ticket ticket;
    ASSERT_EQ(engine_->Offer(Event(4, "u1"), JobOutcome::kCompleted, *directory, "", ticket),
              DeliveryEngine::OfferResult::kPending);
    ASSERT_TRUE(testing::WaitUntil([&] { return metrics_.RetriesTotal() >= 2; }));
    EXPECT_EQ(sink.Count(), 0u);
    sink.SetMode(SmtpSink::Mode::kAccept);
    ASSERT_TRUE(engine_->WaitDone(std::span(&ticket, 1), std::chrono::steady_clock::now() + std::chrono::seconds(20)));
    EXPECT_EQ(sink.Count(), 1u);
}

TEST_F(DeliveryEngineTest, SaysBusyWhenMaxInFlightIsReached) {
    SmtpSink sink;
    sink.SetMode(SmtpSink::Mode::kTransientFailure);
    Build(sink.Url(), 100, 1);
    const auto directory =
        Directory::Parse(R"({"users":[{"user_id":"u1","email":"u1@example.com","channels":["email"]}]})", 10);
    DeliveryEngine::Ticket first;
    DeliveryEngine::Ticket second;
    ASSERT_EQ(engine_->Offer(Event(5, "u1"), JobOutcome::kCompleted, *directory, "", first),
              DeliveryEngine::OfferResult::kPending);
    EXPECT_EQ(engine_->Offer(Event(6, "u1"), JobOutcome::kCompleted, *directory, "", second),
              DeliveryEngine::OfferResult::kBusy);
    EXPECT_EQ(engine_->Offer(Event(5, "u1"), JobOutcome::kCompleted, *directory, "", second),
              DeliveryEngine::OfferResult::kPending)
        << "offering the same event again joins the delivery in flight";
    EXPECT_EQ(first, second);
    sink.SetMode(SmtpSink::Mode::kAccept);
    ASSERT_TRUE(engine_->WaitDone(std::span(&first, 1), std::chrono::steady_clock::now() + std::chrono::seconds(20)));
    EXPECT_EQ(sink.Count(), 1u);
}

}  // namespace
}  // namespace cosmic::notification
