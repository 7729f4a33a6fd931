#include "cosmic/audit/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

FileLock::FileLock(const std::string& path, const std::string& what) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw StoreError("cannot open " + path + ": " + std::strerror(errno), SQLITE_CANTOPEN);
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int error = errno;
        ::close(fd_);
        fd_ = -1;
        throw StoreError(what + " (" + path + " is locked: " + std::strerror(error) + ")", SQLITE_BUSY);
    }
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace cosmic::audit
