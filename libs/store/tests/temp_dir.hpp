#pragma once
/// A fresh directory under the system temp dir, removed with its contents at the end of a test.

#include <filesystem>
#include <random>
#include <string>

namespace cosmic::store::testing {

class TempDir {
  public:
    TempDir() {
        std::random_device random;
        path_ = std::filesystem::temp_directory_path() / ("cosmic-store-" + std::to_string(random()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ignored;  // best effort: a leftover temp dir must not fail the test
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string File(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

}  // namespace cosmic::store::testing
