#include "cosmic/service/version.hpp"

#ifndef COSMIC_VERSION
#define COSMIC_VERSION "0.0.0"
#endif
#ifndef COSMIC_GIT_COMMIT
#define COSMIC_GIT_COMMIT "unknown"
#endif

namespace cosmic::service {

const char* BuildVersion() noexcept { return COSMIC_VERSION; }
const char* BuildCommit() noexcept { return COSMIC_GIT_COMMIT; }

}  // namespace cosmic::service
