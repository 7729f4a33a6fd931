// The handler outcome: its kinds, its reason, its compatibility constants, and that Ok, which a
// handler returns for every record, allocates nothing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <new>
#include <sstream>
#include <string>

#include "cosmic/kafka/outcome.hpp"

namespace {

// Counts this thread's allocations while `counting` is set. Replacing the global operator new
// for the whole test binary is the only way to see an allocation std::string makes inside the
// library; every variant is replaced so new and delete always pair up (also under ASan).
thread_local bool counting = false;
thread_local std::size_t allocations = 0;

void* Allocate(std::size_t size) {
    if (counting) {
        ++allocations;
    }
    if (void* block = std::malloc(size == 0 ? 1 : size)) {
        return block;
    }
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return Allocate(size); }
void* operator new[](std::size_t size) { return Allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return Allocate(size);
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* block) noexcept { std::free(block); }
void operator delete[](void* block) noexcept { std::free(block); }
void operator delete(void* block, std::size_t) noexcept { std::free(block); }
void operator delete[](void* block, std::size_t) noexcept { std::free(block); }
void operator delete(void* block, const std::nothrow_t&) noexcept { std::free(block); }
void operator delete[](void* block, const std::nothrow_t&) noexcept { std::free(block); }

namespace cosmic::kafka {
namespace {

TEST(OutcomeTest, OkCarriesNothing) {
    const Outcome ok = Outcome::Ok();
    EXPECT_TRUE(ok.IsOk());
    EXPECT_FALSE(ok.IsRetry());
    EXPECT_FALSE(ok.IsDeadLetter());
    EXPECT_EQ(ok.GetKind(), Outcome::Kind::kOk);
    EXPECT_TRUE(ok.Reason().empty());
    EXPECT_TRUE(ok.ErrorClass().empty());
}

TEST(OutcomeTest, RetryAndDeadLetterCarryTheirReason) {
    const Outcome retry = Outcome::Retry("store busy");
    EXPECT_TRUE(retry.IsRetry());
    EXPECT_EQ(retry.Reason(), "store busy");
    EXPECT_TRUE(retry.ErrorClass().empty());

    const Outcome dead = Outcome::DeadLetter("unknown_job", "job j-1 was never submitted");
    EXPECT_TRUE(dead.IsDeadLetter());
    EXPECT_EQ(dead.GetKind(), Outcome::Kind::kDeadLetter);
    EXPECT_EQ(dead.ErrorClass(), "unknown_job");
    EXPECT_EQ(dead.Reason(), "job j-1 was never submitted");
}

TEST(OutcomeTest, ConstantsStayCompatibleAndCompareByKind) {
    EXPECT_TRUE(Outcome::kOk.IsOk());
    EXPECT_TRUE(Outcome::kRetry.IsRetry());
    EXPECT_TRUE(Outcome::kDeadLetter.IsDeadLetter());
    EXPECT_TRUE(Outcome::kDeadLetter.Reason().empty());
    EXPECT_EQ(Outcome::Ok(), Outcome::kOk);
    EXPECT_EQ(Outcome::Retry("a"), Outcome::kRetry);
    EXPECT_EQ(Outcome::DeadLetter("c", "a"), Outcome::kDeadLetter);
    EXPECT_NE(Outcome::Retry("a"), Outcome::kDeadLetter);
    EXPECT_NE(Outcome::kOk, Outcome::kRetry);
    // The former enum's uses: a conditional between constants, a handler returning one.
    const bool stored = false;
    EXPECT_EQ(stored ? Outcome::kOk : Outcome::kRetry, Outcome::kRetry);
    const std::function<Outcome()> handler = [] { return Outcome::kOk; };
    EXPECT_TRUE(handler().IsOk());
}

TEST(OutcomeTest, PrintsKindClassAndReason) {
    std::ostringstream out;
    out << Outcome::Ok() << ' ' << Outcome::Retry("busy") << ' ' << Outcome::DeadLetter("bad_input", "field x");
    EXPECT_EQ(out.str(), "ok retry(busy) dead_letter(bad_input: field x)");
    EXPECT_EQ(ToString(Outcome::DeadLetter("c", "r")), "dead_letter");
    EXPECT_EQ(ToString(Outcome::Kind::kRetry), "retry");
}

TEST(OutcomeTest, OkAllocatesNothingOnItsWayOutOfAHandler) {
    const std::function<Outcome(int)> handler = [](int value) {
        return value >= 0 ? Outcome::Ok() : Outcome::DeadLetter("negative_value", "value below zero");
    };
    allocations = 0;
    counting = true;
    bool all_ok = true;
    for (int i = 0; i < 1000; ++i) {
        const Outcome outcome = handler(i);
        all_ok = all_ok && outcome.IsOk();
    }
    const Outcome copied = Outcome::kOk;
    counting = false;
    EXPECT_TRUE(all_ok);
    EXPECT_TRUE(copied.IsOk());
    EXPECT_EQ(allocations, 0u);

    // The counter does see a reason that does not fit in place (so the zero above means something).
    counting = true;
    const Outcome dead = handler(-1);
    counting = false;
    EXPECT_TRUE(dead.IsDeadLetter());
    EXPECT_GT(allocations, 0u);
}

}  // namespace
}  // namespace cosmic::kafka
