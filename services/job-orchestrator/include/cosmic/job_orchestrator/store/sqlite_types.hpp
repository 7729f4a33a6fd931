#pragma once
/// The shared SQLite layer (cosmic::store) under the names the job store uses.

#include "cosmic/store/sqlite.hpp"

namespace cosmic::orchestrator {

using store::Database, store::Statement, store::StatementScope, store::StoreError, store::Transaction;

}  // namespace cosmic::orchestrator
