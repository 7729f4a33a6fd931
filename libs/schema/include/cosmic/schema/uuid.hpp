#pragma once
/// UUID helpers beyond NewUuid() (declared in event.hpp).

#include <string>
#include <string_view>

namespace cosmic::schema {

/// True for the canonical 8-4-4-4-12 hex form (either case, any version).
bool IsUuid(std::string_view text) noexcept;

/// Appends a fresh random (v4) UUID to `out`. Uses a per-thread xoshiro256** generator seeded from
/// OpenSSL's RAND_bytes (std::random_device if that fails); reseeded in a forked child.
void AppendNewUuid(std::string& out);

}  // namespace cosmic::schema
