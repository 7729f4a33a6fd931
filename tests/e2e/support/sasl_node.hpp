#pragma once
/// The SASL_SSL Kafka node of the SASL tests (tests/e2e/cluster.sh ... sasl), as the tests see it:
/// its bootstrap, the user and password scripts/kafka made, and the CA it signed the broker's
/// certificate with; the KAFKA_* settings a service or cosmicctl needs to reach it.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cosmic::e2e {

struct SaslNode {
    std::filesystem::path dir;          ///< COSMIC_E2E_DIR of the SASL fixture
    bool real = false;                  ///< false with COSMIC_E2E_KAFKA=mock: nothing was started
    std::string bootstrap;              ///< the SASL_SSL client listener
    std::string username;               ///< sasl.username of DIR/kafka/client.properties
    std::string password;               ///< sasl.password of DIR/kafka/client.properties
    std::filesystem::path ca_location;  ///< the throwaway CA (PEM)

    /// KAFKA_SECURITY_PROTOCOL=SASL_SSL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME,
    /// KAFKA_SASL_PASSWORD (`password`) and KAFKA_SSL_CA_LOCATION; no bootstrap (the caller's).
    std::map<std::string, std::string> Env(std::string_view mechanism, std::string_view with_password) const;
    /// The same as librdkafka properties, with the right password, for the tests' own clients.
    std::map<std::string, std::string> Properties(std::string_view mechanism) const;
};

/// Reads COSMIC_E2E_DIR/mode and, on a real node, DIR/bootstrap and DIR/kafka/client.properties.
/// Throws std::runtime_error naming what is missing.
SaslNode LoadSaslNode();

}  // namespace cosmic::e2e
