#pragma once
// Temporary directories for the service tests.

#include <filesystem>
#include <fstream>
#include <string>

#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::service::testing {

/// A fresh temporary directory per test.
using TempDir = cosmic::testing::TempDir;

}  // namespace cosmic::service::testing
