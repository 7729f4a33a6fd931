#include "cosmic/notification_consumer/user_directory.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using schema::Channel;

TEST(DirectoryTest, ParsesUsersAndChannels) {
    const auto directory = Directory::Parse(R"({"users":[
        {"user_id":"u1","email":"u1@example.com","webhook_url":"https://h.example/x",
         "webhook_secret":"0123456789abcdef","channels":["email","webhook","websocket"]},
        {"user_id":"u2","channels":["in_app"],"quiet":true},
        {"user_id":"u3"}]})",
                                            100);
    ASSERT_EQ(directory->Size(), 3u);
    const User* u1 = directory->Find("u1");
    ASSERT_NE(u1, nullptr);
    EXPECT_TRUE(u1->channels.Has(Channel::kEmail));
    EXPECT_TRUE(u1->channels.Has(Channel::kWebhook));
    EXPECT_FALSE(u1->channels.Has(Channel::kInApp)) << "only what the user listed";
    EXPECT_EQ(ChannelsFor(u1), u1->channels);
    EXPECT_EQ(ChannelsFor(directory->Find("u2")), ChannelSet::Of(Channel::kInApp));
    EXPECT_EQ(ChannelsFor(directory->Find("u3")), ChannelSet::Of(Channel::kInApp)) << "no channels given: in-app";
    EXPECT_EQ(directory->Find("nobody"), nullptr);
    EXPECT_EQ(ChannelsFor(nullptr), ChannelSet::Of(Channel::kInApp));
}

TEST(DirectoryTest, RejectsBadFilesWithTheEntryNamed) {
    struct Case {
        const char* json;
        const char* message;
    };
    const Case cases[] = {
        {R"({"users":[{"user_id":"u1","emali":"x"}]})", "users[0] (u1): unknown field 'emali'"},
        {R"({"users":[{"user_id":"u1"},{"user_id":"u1"}]})", "users[1]: duplicate user_id"},
        {R"({"users":[{"user_id":"u1","channels":["sms"]}]})", "channels: expected"},
        {R"({"users":[{"user_id":"u1","channels":["webhook"],"webhook_url":"https://x"}]})", "webhook_secret"},
        {R"({"users":[{"user_id":"u1","channels":["webhook"],"webhook_url":"ftp://x","webhook_secret":"0123456789abcdef"}]})",
         "webhook_url"},
        {R"({"users":[{"user_id":"u1","channels":["email"],"email":"a@b.c\r\nBcc: x@y.z"}]})", "control characters"},
        {R"({"users":[{"user_id":"u1","channels":["email"]}]})", "email"},
        {R"({"users":[{"email":"a@b.c"}]})", "user_id: missing"},
        {R"({"users":[}])", "not valid JSON"},
        {R"({"people":[]})", "unknown field 'people'"},
    };
    for (const Case& c : cases) {
        try {
            Directory::Parse(c.json, 100);
            ADD_FAILURE() << "accepted: " << c.json;
        } catch (const DirectoryError& error) {
            EXPECT_NE(std::string(error.what()).find(c.message), std::string::npos) << error.what();
        }
    }
    EXPECT_THROW(Directory::Parse(R"({"users":[{"user_id":"a"},{"user_id":"b"}]})", 1), DirectoryError);
}

TEST(DirectoryWatcherTest, ReloadsOnChangeKeepsTheOldDirectoryOnErrorAndReloadsOnSighup) {
    testing::ScratchDir dir;
    const auto path = dir.Path() / "users.json";
    testing::WriteFile(path, R"({"users":[{"user_id":"u1"}]})");
    int reloads = 0;
    int errors = 0;
    DirectoryWatcher watcher(path.string(), 100,
                             {[&](std::size_t) { ++reloads; }, [&](const std::string&) { ++errors; }});
    EXPECT_EQ(reloads, 1);
    const auto before = watcher.Snapshot();
    EXPECT_FALSE(watcher.Check()) << "unchanged";

    testing::WriteFile(path, R"({"users":[{"user_id":"u1"},{"user_id":"u2"}]})");
    EXPECT_TRUE(watcher.Check());
    EXPECT_EQ(watcher.Snapshot()->Size(), 2u);
    EXPECT_EQ(before->Size(), 1u) << "a snapshot taken before a reload is not changed by it";

    testing::WriteFile(path, R"({"users":[{"user_id":"u1","channels":["fax"]}]})");
    EXPECT_FALSE(watcher.Check());
    EXPECT_EQ(watcher.Snapshot()->Size(), 2u) << "a bad file never replaces a good directory";
    EXPECT_NE(watcher.LastError().find("channels"), std::string::npos);
    EXPECT_EQ(errors, 1);
    EXPECT_FALSE(watcher.Check()) << "the bad file is not retried until it changes";

    // Same size and (possibly) same mtime granularity: SIGHUP forces the reload.
    testing::WriteFile(path, R"({"users":[{"user_id":"u9"}]})");
    DirectoryWatcher::InstallSighupHandler();
    ASSERT_EQ(::raise(SIGHUP), 0);
    EXPECT_TRUE(watcher.Check());
    EXPECT_NE(watcher.Snapshot()->Find("u9"), nullptr);
    EXPECT_TRUE(watcher.LastError().empty());
}

TEST(DirectoryWatcherTest, AMissingFileFailsAtStartup) {
    EXPECT_THROW(DirectoryWatcher("/nonexistent/users.json", 10), DirectoryError);
    DirectoryWatcher empty("", 10);
    EXPECT_EQ(empty.Snapshot()->Size(), 0u);
    EXPECT_FALSE(empty.Check());
}

}  // namespace
}  // namespace cosmic::notification
