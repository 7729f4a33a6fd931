#include "cosmic/kafka/auth_hint.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::kafka {
namespace {

std::string ConfValue(const rd_kafka_conf_t* conf, const char* name) {
    char value[512];
    std::size_t size = sizeof(value);
    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) {
        return {};  // unknown or longer than any value worth logging
    }
    return std::string(value);
}

std::string Upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

bool UsesSasl(const AuthIdentity& identity) { return Upper(identity.protocol).starts_with("SASL_"); }

bool UsesScram(const AuthIdentity& identity) {
    return UsesSasl(identity) && Upper(identity.mechanism).starts_with("SCRAM-");
}

std::string ScramNote(int librdkafka_version) {
    return "Kafka 4.x brokers reject SCRAM from librdkafka " + LibrdkafkaVersionText(librdkafka_version) +
           " (client nonce bug, fixed in librdkafka 2.6.1, confluentinc/librdkafka#4895): use "
           "KAFKA_SASL_MECHANISM=PLAIN over KAFKA_SECURITY_PROTOCOL=SASL_SSL, or a librdkafka >= 2.6.1";
}

}  // namespace

AuthIdentity AuthIdentityOf(const rd_kafka_conf_t* conf) {
    AuthIdentity identity;
    identity.protocol = ConfValue(conf, "security.protocol");
    identity.mechanism = ConfValue(conf, "sasl.mechanisms");
    identity.username = ConfValue(conf, "sasl.username");
    identity.ca_location = ConfValue(conf, "ssl.ca.location");
    return identity;
}

std::string LibrdkafkaVersionText(int librdkafka_version) {
    const auto part = [librdkafka_version](int shift) { return std::to_string((librdkafka_version >> shift) & 0xff); };
    return part(24) + "." + part(16) + "." + part(8);
}

std::optional<std::string> AuthErrorMessage(rd_kafka_resp_err_t err, std::string_view reason,
                                            const AuthIdentity& identity, int librdkafka_version) {
    const std::string protocol = identity.protocol.empty() ? std::string("PLAINTEXT") : Upper(identity.protocol);
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
        std::string message = "kafka authentication failed (";
        if (UsesSasl(identity)) {
            message += (identity.mechanism.empty() ? std::string("no mechanism") : identity.mechanism) + " as '" +
                       identity.username + "' over " + protocol + "): " + std::string(reason) +
                       "; check KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD / KAFKA_SASL_MECHANISM";
            if (UsesScram(identity) && librdkafka_version < kScramNonceFixVersion) {
                message += "; note: " + ScramNote(librdkafka_version);
            }
        } else {
            message += "over " + protocol + "): " + std::string(reason) +
                       "; check KAFKA_SECURITY_PROTOCOL and the client certificate settings (KAFKA_SSL_*)";
        }
        return message;
    }
    if (err == RD_KAFKA_RESP_ERR__SSL) {
        return "kafka TLS connection failed (over " + protocol + ", CA " +
               (identity.ca_location.empty() ? std::string("the system's default CAs")
                                             : "file '" + identity.ca_location + "'") +
               "): " + std::string(reason) +
               "; check KAFKA_SSL_CA_LOCATION names the CA that signed the brokers' certificates and that "
               "KAFKA_BOOTSTRAP_SERVERS uses names or addresses the certificates are issued for";
    }
    return std::nullopt;
}

std::optional<std::string> ScramVersionWarning(const AuthIdentity& identity, int librdkafka_version) {
    if (!UsesScram(identity) || librdkafka_version >= kScramNonceFixVersion) {
        return std::nullopt;
    }
    return "kafka: " + identity.mechanism + " over " + Upper(identity.protocol) +
           " will most likely fail: " + ScramNote(librdkafka_version);
}

namespace client_detail {

void WarnOnceAboutScram(const rd_kafka_conf_t* conf) {
    static std::atomic<bool> warned{false};
    if (warned.load(std::memory_order_relaxed)) {
        return;
    }
    const auto warning = ScramVersionWarning(AuthIdentityOf(conf), rd_kafka_version());
    if (warning && !warned.exchange(true)) {
        spdlog::warn("{}", *warning);
    }
}

bool LogAuthError(rd_kafka_t* rk, int err, const char* reason, std::string_view client) {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code != RD_KAFKA_RESP_ERR__AUTHENTICATION && code != RD_KAFKA_RESP_ERR__SSL) {
        return false;
    }
    // One limiter for the process: its own, so other errors in between never crowd it out.
    static telemetry::RateLimiter limiter{std::chrono::seconds(5)};
    std::uint64_t suppressed = 0;
    if (limiter.Allow(suppressed)) {
        const auto message = AuthErrorMessage(code, reason != nullptr ? reason : "", AuthIdentityOf(rd_kafka_conf(rk)),
                                              rd_kafka_version());
        spdlog::error("{} [{}; {} similar suppressed]", message.value_or(""), client, suppressed);
    }
    return true;
}

}  // namespace client_detail

}  // namespace cosmic::kafka
