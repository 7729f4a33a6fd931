#pragma once
/// An exclusive advisory lock (flock) on a file, held for the object's lifetime. The kernel
/// drops it when the process dies, so a crashed writer never leaves it behind.

#include <string>

namespace cosmic::audit {

class FileLock {
  public:
    /// Creates `path` if needed and locks it without waiting; throws StoreError naming
    /// `what` when another process holds it.
    FileLock(const std::string& path, const std::string& what);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace cosmic::audit
