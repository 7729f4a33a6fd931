#pragma once
/// The build's version and commit (compiled into one file, so a new commit rebuilds only it).

namespace cosmic::service {

/// The project version, e.g. "0.1.0".
const char* BuildVersion() noexcept;
/// The abbreviated git commit the binary was built from, or "unknown".
const char* BuildCommit() noexcept;

}  // namespace cosmic::service
