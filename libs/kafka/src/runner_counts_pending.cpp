// Placeholder until the runner counts its outcomes (replaced by the runner's own counters).
#include "cosmic/kafka/runner.hpp"

namespace cosmic::kafka {
RunnerCounts Runner::Counts() const noexcept { return {}; }
}  // namespace cosmic::kafka
