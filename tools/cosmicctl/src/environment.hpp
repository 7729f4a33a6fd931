#pragma once
// The process environment as a map (so commands take it as input and tests pass their own).

#include <map>
#include <string>

namespace cosmic::cosmicctl {

std::map<std::string, std::string> Environment();

}  // namespace cosmic::cosmicctl
