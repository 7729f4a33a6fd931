// Canonical encoding, SHA-256 and the RFC 6962 Merkle tree: the parts an external auditor
// re-implements, checked against independent computations and published vectors.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cosmic/audit/canonical.hpp"
#include "cosmic/audit/merkle.hpp"
#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

Hash Hex(std::string_view text) {
    Hash out{};
    EXPECT_TRUE(FromHex(text, out)) << text;
    return out;
}

std::string Bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
}

TEST(Sha256Test, MatchesFipsVectors) {
    EXPECT_EQ(ToHex(Sha256::Of("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(ToHex(Sha256::Of("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 sha;
    sha.Update("a");
    sha.Update("bc");
    EXPECT_EQ(ToHex(sha.Finish()), ToHex(Sha256::Of("abc")));
}

TEST(Sha256Test, HexRoundTripAndRejectsBadInput) {
    const Hash h = Sha256::Of("x");
    Hash back{};
    ASSERT_TRUE(FromHex(ToHex(h), back));
    EXPECT_EQ(back, h);
    EXPECT_FALSE(FromHex("abc", back));
    EXPECT_FALSE(FromHex(std::string(64, 'g'), back));
}

// An independent re-implementation of the documented format (README "Verifying").
std::string SpecEncoding(const AuditRecord& r) {
    std::string out;
    auto str = [&](std::string_view s) {
        const auto n = static_cast<std::uint32_t>(s.size());
        out += Bytes({static_cast<int>(n >> 24), static_cast<int>((n >> 16) & 0xff), static_cast<int>((n >> 8) & 0xff),
                      static_cast<int>(n & 0xff)});
        out += s;
    };
    auto num = [&](std::int64_t v) {
        for (int i = 7; i >= 0; --i)
            out.push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
    };
    str("cosmic-audit-record/v1");
    str(r.topic);
    num(r.partition);
    num(r.offset);
    num(r.valid ? 1 : 0);
    str(r.violation);
    str(r.raw);
    str(r.event_id);
    str(r.event_type);
    str(r.occurred_at);
    num(r.occurred_at_ms);
    str(r.source);
    str(r.correlation_id);
    str(r.user_id);
    str(r.resource_id);
    str(r.job_id);
    str(r.action);
    str(r.payload);
    return out;
}

TEST(CanonicalTest, MatchesTheDocumentedLayout) {
    const AuditRecord record = testing::MakeRecord(3, 42, 1767225600123);
    std::string encoded;
    EncodeCanonical(record, encoded);
    EXPECT_EQ(encoded, SpecEncoding(record));

    AuditRecord invalid = testing::MakeInvalid(1, -5, 1000, std::string("\x00\xff{", 3), "document: invalid JSON");
    EncodeCanonical(invalid, encoded);
    EXPECT_EQ(encoded, SpecEncoding(invalid));
}

TEST(CanonicalTest, FieldBoundariesCannotCollide) {
    AuditRecord a = testing::MakeRecord(0, 1, 1000);
    AuditRecord b = a;
    a.user_id = "ab";
    a.resource_id = "c";
    b.user_id = "a";
    b.resource_id = "bc";
    std::string ea;
    std::string eb;
    EncodeCanonical(a, ea);
    EncodeCanonical(b, eb);
    EXPECT_NE(ea, eb);
    ChainHasher hasher;
    EXPECT_NE(hasher.RowHash(kGenesisHash, a), hasher.RowHash(kGenesisHash, b));
}

TEST(CanonicalTest, EveryHashedFieldChangesTheHash) {
    const AuditRecord base = testing::MakeRecord(2, 7, 5000);
    ChainHasher hasher;
    const Hash reference = hasher.RowHash(kGenesisHash, base);
    std::vector<void (*)(AuditRecord&)> mutations = {
        [](AuditRecord& r) { r.topic += "x"; },       [](AuditRecord& r) { r.partition += 1; },
        [](AuditRecord& r) { r.offset += 1; },        [](AuditRecord& r) { r.valid = false; },
        [](AuditRecord& r) { r.violation = "v"; },    [](AuditRecord& r) { r.raw = "r"; },
        [](AuditRecord& r) { r.event_id += "0"; },    [](AuditRecord& r) { r.event_type += "x"; },
        [](AuditRecord& r) { r.occurred_at += "x"; }, [](AuditRecord& r) { r.occurred_at_ms += 1; },
        [](AuditRecord& r) { r.source += "x"; },      [](AuditRecord& r) { r.correlation_id += "x"; },
        [](AuditRecord& r) { r.user_id += "x"; },     [](AuditRecord& r) { r.resource_id += "x"; },
        [](AuditRecord& r) { r.job_id += "x"; },      [](AuditRecord& r) { r.action = "ALERT"; },
        [](AuditRecord& r) { r.payload[3] ^= 1; },
    };
    for (std::size_t i = 0; i < mutations.size(); ++i) {
        AuditRecord changed = base;
        mutations[i](changed);
        EXPECT_NE(hasher.RowHash(kGenesisHash, changed), reference) << "mutation " << i;
    }
    // The previous hash is part of the row hash (that is what makes it a chain).
    EXPECT_NE(hasher.RowHash(Sha256::Of("prev"), base), reference);
    // Not hashed: the Kafka timestamp is informational.
    AuditRecord ts = base;
    ts.kafka_timestamp_ms += 1;
    EXPECT_EQ(hasher.RowHash(kGenesisHash, ts), reference);
}

// Certificate Transparency's reference leaves and tree heads (RFC 6962).
TEST(MerkleTest, MatchesCertificateTransparencyVectors) {
    const std::vector<std::string> leaves = {
        "",
        Bytes({0x00}),
        Bytes({0x10}),
        Bytes({0x20, 0x21}),
        Bytes({0x30, 0x31}),
        Bytes({0x40, 0x41, 0x42, 0x43}),
        Bytes({0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57}),
        Bytes({0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f})};
    const std::vector<std::string> roots = {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                                            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
    Sha256 sha;
    MerkleAccumulator tree;
    EXPECT_EQ(ToHex(tree.Root(sha)), roots[0]);
    for (std::size_t n = 1; n <= leaves.size(); ++n) {
        tree.AddLeaf(leaves[n - 1], sha);
        EXPECT_EQ(ToHex(tree.Root(sha)), roots[n]) << "size " << n;
        EXPECT_EQ(tree.LeafCount(), n);
    }
}

// The textbook recursive definition, to compare the incremental accumulator with.
Hash Reference(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
    if (end - begin == 1) {
        std::string data(1, '\0');
        data.append(reinterpret_cast<const char*>(leaves[begin].data()), leaves[begin].size());
        return Sha256::Of(data);
    }
    std::size_t k = 1;
    while (k * 2 < end - begin) k *= 2;
    const Hash left = Reference(leaves, begin, begin + k);
    const Hash right = Reference(leaves, begin + k, end);
    std::string data(1, '\x01');
    data.append(reinterpret_cast<const char*>(left.data()), left.size());
    data.append(reinterpret_cast<const char*>(right.data()), right.size());
    return Sha256::Of(data);
}

TEST(MerkleTest, IncrementalRootEqualsRecursiveDefinitionForEverySize) {
    std::vector<Hash> leaves;
    Sha256 sha;
    MerkleAccumulator tree;
    for (int n = 1; n <= 70; ++n) {
        leaves.push_back(Sha256::Of("leaf-" + std::to_string(n)));
        tree.AddLeaf(leaves.back(), sha);
        ASSERT_EQ(ToHex(tree.Root(sha)), ToHex(Reference(leaves, 0, leaves.size()))) << "size " << n;
    }
    tree.Clear();
    EXPECT_EQ(tree.LeafCount(), 0u);
    EXPECT_EQ(ToHex(tree.Root(sha)), ToHex(Sha256::Of("")));
    (void)Hex;
}

}  // namespace
}  // namespace cosmic::audit
