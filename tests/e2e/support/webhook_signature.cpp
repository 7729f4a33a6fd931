#include "support/webhook_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

namespace cosmic::e2e {

bool WebhookSignatureValid(std::string_view secret, std::string_view timestamp, std::string_view body,
                           std::string_view signature) {
    const std::string signed_text = std::string(timestamp) + "." + std::string(body);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), digest.data(),
             &size) == nullptr) {
        return false;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string expected = "sha256=";
    for (unsigned int i = 0; i < size; ++i) {
        expected += kHex[digest[i] >> 4];
        expected += kHex[digest[i] & 0xf];
    }
    return expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

}  // namespace cosmic::e2e
