#include "environment.hpp"

extern char** environ;

namespace cosmic::cosmicctl {

std::map<std::string, std::string> Environment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text = *entry;
        if (auto eq = text.find('='); eq != std::string::npos) {
            env[text.substr(0, eq)] = text.substr(eq + 1);
        }
    }
    return env;
}

}  // namespace cosmic::cosmicctl
