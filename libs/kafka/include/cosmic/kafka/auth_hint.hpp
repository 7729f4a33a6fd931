#pragma once
/// Clear log messages for a client that cannot authenticate: which mechanism, user and protocol
/// it used and which KAFKA_* settings to check (never the password), and a startup warning for
/// SCRAM from a librdkafka that Kafka 4.x brokers reject.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cosmic::kafka {

/// librdkafka's release that fixed the SCRAM client nonce (confluentinc/librdkafka#4895), as
/// rd_kafka_version() reports it. Older clients repeat their nonce in the final SCRAM message,
/// which Kafka 4.x checks strictly (RFC 5802) and answers as invalid credentials.
inline constexpr int kScramNonceFixVersion = 0x020601ff;

/// How a client authenticates, read from its librdkafka configuration. The password is not
/// part of it on purpose: everything here may be logged.
struct AuthIdentity {
    std::string protocol;     ///< security.protocol, e.g. "sasl_ssl" (librdkafka's default "plaintext")
    std::string mechanism;    ///< sasl.mechanisms, e.g. "PLAIN"; empty when not set
    std::string username;     ///< sasl.username; empty when not set
    std::string ca_location;  ///< ssl.ca.location; empty when not set (system CAs)
};

/// The identity configured in `conf` (rd_kafka_conf(rk) for a live client).
AuthIdentity AuthIdentityOf(const rd_kafka_conf_t* conf);

/// The error-level message for an authentication (RD_KAFKA_RESP_ERR__AUTHENTICATION) or TLS
/// (RD_KAFKA_RESP_ERR__SSL) error from librdkafka's error callback: what failed, as whom, the
/// librdkafka reason and the KAFKA_* settings to check. std::nullopt for any other error.
/// `librdkafka_version` is rd_kafka_version(); it adds the SCRAM note to a SCRAM failure.
std::optional<std::string> AuthErrorMessage(rd_kafka_resp_err_t err, std::string_view reason,
                                            const AuthIdentity& identity, int librdkafka_version);

/// The startup warning for a client that will use SCRAM (a SASL protocol and a SCRAM-*
/// mechanism) with a librdkafka older than kScramNonceFixVersion; std::nullopt otherwise.
std::optional<std::string> ScramVersionWarning(const AuthIdentity& identity, int librdkafka_version);

/// rd_kafka_version_str() style text of a version number: 0x020002ff -> "2.0.2".
std::string LibrdkafkaVersionText(int librdkafka_version);

namespace client_detail {

/// Logs ScramVersionWarning for `conf` with the linked librdkafka once per process (the
/// first client that would use SCRAM), at warning level.
void WarnOnceAboutScram(const rd_kafka_conf_t* conf);

/// Handles an authentication or TLS error from an error callback: logs AuthErrorMessage at
/// error level, at most once per 5 s for the whole process (every client of a service shares
/// one set of credentials, so one message per interval says it all, however many clients and
/// other errors there are). `client` names the client ("kafka consumer job-orchestrator/...").
/// Returns false, logging nothing, for any other error.
bool LogAuthError(rd_kafka_t* rk, int err, const char* reason, std::string_view client);

}  // namespace client_detail

}  // namespace cosmic::kafka
