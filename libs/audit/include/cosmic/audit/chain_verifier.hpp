#pragma once
/// Offline-capable verification of an audit database: recomputes every (topic, partition) hash
/// chain in offset order, checks the stored hashes, the row order, the periodic checkpoints
/// (chain head and RFC 6962 Merkle root) and the retention anchors. Needs only the SQLite file.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/canonical.hpp"
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

/// One partition's rows and checkpoints, from whichever store holds them.
class PartitionSource {
  public:
    virtual ~PartitionSource() = default;
    /// The newest retention anchor, if retention cut the chain.
    virtual std::optional<CheckpointInfo> Anchor() = 0;
    /// Periodic checkpoints with last_offset > `floor`, by last_offset.
    virtual std::vector<CheckpointInfo> Checkpoints(std::int64_t floor) = 0;
    /// The next row in offset order; false after the last.
    virtual bool NextRow(StoredRecord& row) = 0;
};

/// Recomputes one partition's chain from `source`: links, hashes, row order, checkpoints (head
/// and Merkle root) and the anchor; with `live`, also that the chain ends where the writer's head
/// is. Counts into `report`; returns the first bad row, or nullopt when the partition verifies.
class PartitionVerifier {
  public:
    std::optional<BadRow> Verify(const std::string& topic, std::int32_t partition, PartitionSource& source,
                                 const ChainHead* live, VerifyReport& report);

  private:
    ChainHasher hasher_;
    Sha256 sha_;
    StoredRecord row_;
};

/// Verifies the database behind `db`. Run it inside a read transaction so it sees one snapshot.
/// `live_heads` (optional) are compared with the last row of each partition.
VerifyReport VerifyChains(Database& db, std::span<const ChainHead> live_heads = {});

/// Opens `path` read-only and verifies it. Throws StoreError when the file cannot be read as an
/// audit database.
VerifyReport VerifyDatabaseFile(const std::string& path);

}  // namespace cosmic::audit
