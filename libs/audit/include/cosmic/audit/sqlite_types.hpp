#pragma once
/// The shared SQLite layer (cosmic::store) under the names the audit store uses, plus reading a
/// chain hash back from a row.

#include "cosmic/audit/sha256.hpp"
#include "cosmic/store/sqlite.hpp"

namespace cosmic::audit {

using store::Check, store::Database, store::Statement, store::StoreError, store::Transaction;

/// The 32-byte hash in `column`, or the zero hash when the blob has another size (a damaged row
/// then fails verification instead of reading out of bounds).
inline Hash HashAt(const Statement& row, int column) {
    Hash out{};
    if (!row.BlobInto(column, out)) out = Hash{};
    return out;
}

}  // namespace cosmic::audit
