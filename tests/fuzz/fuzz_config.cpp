// libFuzzer: the config file parser (JSON, --config) with the common keys, as every service loads
// it. Any file must give a config or a ConfigError naming the key, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "cosmic/service/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = "/tmp/cosmic-fuzz-config-" + std::to_string(::getpid()) + ".json";
    static const cosmic::service::ConfigSchema schema = [] {
        cosmic::service::ConfigSchema s;
        cosmic::service::DeclareCommonKeys(s);
        return s;
    }();
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return 0;
    std::fwrite(data, 1, size, file);
    std::fclose(file);
    try {
        const auto config = cosmic::service::Config::Load(schema, path, {});
        (void)config.Kafka();
    } catch (const cosmic::service::ConfigError&) {
        // the expected outcome for a bad file
    }
    return 0;
}
