#pragma once
/// A fresh temporary directory per test, and reading a file back whole.

#include <filesystem>
#include <string>
#include <string_view>

namespace cosmic::testing {

/// A fresh directory under TMPDIR, removed with everything in it on destruction.
class TempDir {
  public:
    /// `prefix` names it (prefix-XXXXXX), so a leftover one says which test made it.
    explicit TempDir(std::string_view prefix = "cosmic-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& Path() const { return path_; }
    /// The path of `name` in this directory (not created).
    std::string File(std::string_view name) const;
    /// Writes `content` to `name` in this directory (replacing it) and returns its path.
    std::string Write(std::string_view name, std::string_view content) const;

  private:
    std::filesystem::path path_;
};

/// The whole content of `path`; "" when it cannot be read.
std::string ReadFile(const std::filesystem::path& path);

/// Writes `content` to `path` (replacing it at once: written beside it, then renamed); throws
/// std::runtime_error when it cannot.
void WriteFile(const std::filesystem::path& path, std::string_view content);

}  // namespace cosmic::testing
