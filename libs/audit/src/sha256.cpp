#include "cosmic/audit/sha256.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>
#include <utility>

namespace cosmic::audit {

struct Sha256::Impl {
    EVP_MD* md = nullptr;
    EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
    // Fetch the implementation once: an implicit fetch on every init is measurably slower in
    // OpenSSL 3.
    impl_->md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    impl_->ctx = EVP_MD_CTX_new();
    if (impl_->md == nullptr || impl_->ctx == nullptr) {
        EVP_MD_free(impl_->md);
        EVP_MD_CTX_free(impl_->ctx);
        throw std::runtime_error("OpenSSL: SHA-256 is not available");
    }
    Reset();
}

Sha256::~Sha256() {
    if (impl_ != nullptr) {
        EVP_MD_CTX_free(impl_->ctx);
        EVP_MD_free(impl_->md);
    }
}

Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&& other) noexcept {
    if (this != &other) {
        if (impl_ != nullptr) {
            EVP_MD_CTX_free(impl_->ctx);
            EVP_MD_free(impl_->md);
        }
        impl_ = std::move(other.impl_);
    }
    return *this;
}

void Sha256::Reset() {
    if (EVP_DigestInit_ex2(impl_->ctx, impl_->md, nullptr) != 1) {
        throw std::runtime_error("OpenSSL: EVP_DigestInit_ex2 failed");
    }
}

void Sha256::Update(const void* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(impl_->ctx, data, size) != 1) {
        throw std::runtime_error("OpenSSL: EVP_DigestUpdate failed");
    }
}

Hash Sha256::Finish() {
    Hash out{};
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(impl_->ctx, out.data(), &length) != 1 || length != out.size()) {
        throw std::runtime_error("OpenSSL: EVP_DigestFinal_ex failed");
    }
    return out;
}

Hash Sha256::Of(std::string_view bytes) {
    Sha256 sha;
    sha.Update(bytes);
    return sha.Finish();
}

std::string ToHex(const Hash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(hash.size() * 2, '0');
    for (std::size_t i = 0; i < hash.size(); ++i) {
        out[2 * i] = kDigits[hash[i] >> 4];
        out[2 * i + 1] = kDigits[hash[i] & 0x0f];
    }
    return out;
}

namespace {
int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

bool FromHex(std::string_view hex, Hash& out) {
    if (hex.size() != out.size() * 2) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const int high = HexValue(hex[2 * i]);
        const int low = HexValue(hex[2 * i + 1]);
        if (high < 0 || low < 0) return false;
        out[i] = static_cast<std::uint8_t>(high * 16 + low);
    }
    return true;
}

bool FromBlob(const void* data, std::size_t size, Hash& out) {
    if (data == nullptr || size != out.size()) return false;
    std::memcpy(out.data(), data, size);
    return true;
}

}  // namespace cosmic::audit
