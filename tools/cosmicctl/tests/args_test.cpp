#include "args.hpp"

#include <gtest/gtest.h>

namespace cosmic::cosmicctl {
namespace {

const std::set<std::string> kValued = {"--group", "--header", "--limit"};
const std::set<std::string> kFlags = {"--dry-run", "--help"};

TEST(CosmicctlArgsTest, OptionsAndWordsInAnyOrder) {
    const Args args({"--group", "g1", "lag", "--dry-run", "--header=a=b", "x", "--header", "c=d"}, kValued, kFlags);
    EXPECT_EQ(args.Positional(), (std::vector<std::string>{"lag", "x"}));
    EXPECT_EQ(args.Value("--group"), "g1");
    EXPECT_TRUE(args.Flag("--dry-run"));
    EXPECT_EQ(args.Values("--header"), (std::vector<std::string>{"a=b", "c=d"}));
    EXPECT_EQ(args.Value("--limit"), std::nullopt);
}

TEST(CosmicctlArgsTest, DoubleDashEndsOptions) {
    const Args args({"produce", "--", "--not-an-option"}, kValued, kFlags);
    EXPECT_EQ(args.Positional(), (std::vector<std::string>{"produce", "--not-an-option"}));
}

TEST(CosmicctlArgsTest, RejectsUnknownMissingAndRepeatedValues) {
    EXPECT_THROW(Args({"--nope"}, kValued, kFlags), UsageError);
    EXPECT_THROW(Args({"--group"}, kValued, kFlags), UsageError);
    EXPECT_THROW(Args({"--dry-run=yes"}, kValued, kFlags), UsageError);
    EXPECT_THROW(Args({"--group", "a", "--group", "b"}, kValued, kFlags).Value("--group"), UsageError);
}

TEST(CosmicctlArgsTest, IntegersAreRangeChecked) {
    EXPECT_EQ(Args({"--limit", "5"}, kValued, kFlags).Integer("--limit", 1, 10), 5);
    EXPECT_THROW(Args({"--limit", "0"}, kValued, kFlags).Integer("--limit", 1, 10), UsageError);
    EXPECT_THROW(Args({"--limit", "5x"}, kValued, kFlags).Integer("--limit", 1, 10), UsageError);
}

TEST(CosmicctlArgsTest, AllowOnlyNamesTheStrayOption) {
    const Args args({"--group", "g"}, kValued, kFlags);
    EXPECT_NO_THROW(args.AllowOnly({"--group"}));
    try {
        args.AllowOnly({"--limit"});
        FAIL();
    } catch (const UsageError& error) {
        EXPECT_EQ(std::string(error.what()), "--group does not apply to this command");
    }
}

}  // namespace
}  // namespace cosmic::cosmicctl
