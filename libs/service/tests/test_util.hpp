#pragma once
// Temporary directories and files for the service tests.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace cosmic::service::testing {

/// A fresh directory under TMPDIR, removed with everything in it on destruction.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "cosmic-service-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;  // best effort: a leftover temp dir must not fail a test
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string File(const std::string& name) const { return (path_ / name).string(); }

    /// Writes `content` to `name` in this directory and returns its path.
    std::string Write(const std::string& name, const std::string& content) const {
        std::string path = File(name);
        std::ofstream out(path, std::ios::trunc);
        out << content;
        if (!out) {
            throw std::runtime_error("cannot write " + path);
        }
        return path;
    }

  private:
    std::filesystem::path path_;
};

}  // namespace cosmic::service::testing
