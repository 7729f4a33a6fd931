#pragma once
/// What the kernel reports about a running process under test (from /proc).

namespace cosmic::e2e {

/// Resident set size of process `pid` in bytes, 0 when unreadable.
long long RssBytes(int pid);

}  // namespace cosmic::e2e
