#pragma once
/// Offline-capable verification of an audit database: recomputes every (topic, partition) hash
/// chain in offset order, checks the stored hashes, the row order, the periodic checkpoints
/// (chain head and RFC 6962 Merkle root) and the retention anchors. Needs only the SQLite file.

#include <cstdint>
#include <span>
#include <string>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

/// What the live writer knows a partition's chain ends with; lets a running service also
/// detect rows deleted from the tail since the last checkpoint.
struct ChainHead {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t last_offset = -1;
    Hash head{};
};

/// Verifies the database behind `db`. Run it inside a read transaction so it sees one snapshot.
/// `live_heads` (optional) are compared with the last row of each partition.
VerifyReport VerifyChains(Database& db, std::span<const ChainHead> live_heads = {});

/// Opens `path` read-only and verifies it. Throws StoreError when the file cannot be read as an
/// audit database.
VerifyReport VerifyDatabaseFile(const std::string& path);

}  // namespace cosmic::audit
