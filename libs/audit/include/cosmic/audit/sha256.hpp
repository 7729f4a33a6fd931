#pragma once
/// SHA-256 over OpenSSL's EVP interface with a reusable context, so hashing a record on the hot
/// path allocates nothing.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cosmic::audit {

using Hash = std::array<std::uint8_t, 32>;

/// The previous hash of the first row of a chain: 32 zero bytes.
inline constexpr Hash kGenesisHash{};

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;

    /// Starts a new digest (discarding any unfinished one).
    void Reset();
    void Update(const void* data, std::size_t size);
    void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
    void Update(const Hash& hash) { Update(hash.data(), hash.size()); }
    /// Finishes the digest; call Reset() before reusing.
    Hash Finish();

    /// One-shot helper.
    static Hash Of(std::string_view bytes);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Lower-case hex of a hash.
std::string ToHex(const Hash& hash);
/// Reads 64 hex digits; false when the text is not exactly that.
bool FromHex(std::string_view hex, Hash& out);
/// Copies a 32-byte blob into a hash; false when the size is wrong.
bool FromBlob(const void* data, std::size_t size, Hash& out);

}  // namespace cosmic::audit
