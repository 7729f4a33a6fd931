#include "socket_lookup.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <string>

namespace cosmic::telemetry::detail {
namespace {

/// Port and printable address of a socket address; port -1 for a non-IP family.
int PortAndAddress(const sockaddr_storage& address, std::string* text) {
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    if (address.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
        if (text != nullptr && inet_ntop(AF_INET, &v4.sin_addr, buffer.data(), buffer.size()) != nullptr) {
            *text = buffer.data();
        }
        return ntohs(v4.sin_port);
    }
    if (address.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
        if (text != nullptr && inet_ntop(AF_INET6, &v6.sin6_addr, buffer.data(), buffer.size()) != nullptr) {
            *text = buffer.data();
        }
        return ntohs(v6.sin6_port);
    }
    return -1;
}

bool IsMatch(int fd, std::string_view remote_addr, int remote_port, int local_port) {
    struct stat info {};
    if (fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) {
        return false;
    }
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) != 0) {
        return false;
    }
    std::string peer_text;
    if (PortAndAddress(peer, &peer_text) != remote_port || peer_text != remote_addr) {
        return false;
    }
    sockaddr_storage local{};
    length = sizeof(local);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        return false;
    }
    return PortAndAddress(local, nullptr) == local_port;
}

}  // namespace

int FindConnectedSocket(std::string_view remote_addr, int remote_port, int local_port) {
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int found = -1;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        const int fd = std::atoi(entry->d_name);
        if (fd != dirfd(dir) && IsMatch(fd, remote_addr, remote_port, local_port)) {
            found = fd;
            break;
        }
    }
    closedir(dir);
    return found;
}

}  // namespace cosmic::telemetry::detail
