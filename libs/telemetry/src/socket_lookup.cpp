#include "socket_lookup.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace cosmic::telemetry::detail {
namespace {

struct Endpoint {
    std::uint32_t address = 0;  ///< as /proc/net/tcp prints it: the in_addr bytes read as a native integer
    int port = -1;
};

/// Parses "0100007F:1F90".
std::optional<Endpoint> ParseEndpoint(const std::string& text) {
    const std::size_t colon = text.find(':');
    if (colon != 8 || text.size() != 13) {
        return std::nullopt;
    }
    Endpoint endpoint;
    endpoint.address = static_cast<std::uint32_t>(std::strtoul(text.substr(0, colon).c_str(), nullptr, 16));
    endpoint.port = static_cast<int>(std::strtol(text.substr(colon + 1).c_str(), nullptr, 16));
    return endpoint;
}

/// Inode of the IPv4 TCP socket local_port <-> remote, from /proc/net/tcp; 0 when not listed.
unsigned long FindSocketInode(std::uint32_t remote_address, int remote_port, int local_port) {
    std::ifstream table("/proc/net/tcp");
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string slot;
        std::string local_text;
        std::string remote_text;
        std::string skip;
        unsigned long inode = 0;
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        if (!(fields >> slot >> local_text >> remote_text >> skip >> skip >> skip >> skip >> skip >> skip >> inode)) {
            continue;
        }
        const std::optional<Endpoint> local = ParseEndpoint(local_text);
        const std::optional<Endpoint> remote = ParseEndpoint(remote_text);
        if (local && remote && inode != 0 && local->port == local_port && remote->port == remote_port &&
            remote->address == remote_address) {
            return inode;
        }
    }
    return 0;
}

}  // namespace

int FindConnectedSocket(std::string_view remote_addr, int remote_port, int local_port) {
    in_addr remote{};
    if (inet_pton(AF_INET, std::string(remote_addr).c_str(), &remote) != 1) {
        return -1;
    }
    const unsigned long inode = FindSocketInode(remote.s_addr, remote_port, local_port);
    if (inode == 0) {
        return -1;
    }
    const std::string target = "socket:[" + std::to_string(inode) + "]";
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    int found = -1;
    std::array<char, 64> link{};
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        const std::string path = std::string("/proc/self/fd/") + entry->d_name;
        const ssize_t length = readlink(path.c_str(), link.data(), link.size());
        if (length > 0 && std::string_view(link.data(), static_cast<std::size_t>(length)) == target) {
            found = std::atoi(entry->d_name);
            break;
        }
    }
    closedir(dir);
    return found;
}

int FindOwnSocket(std::string_view remote_addr, int remote_port, int local_port) {
    in_addr remote{};
    if (inet_pton(AF_INET, std::string(remote_addr).c_str(), &remote) != 1) {
        return -1;
    }
    DIR* dir = opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    const int own = dirfd(dir);
    int found = -1;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') {
            continue;
        }
        const int fd = std::atoi(entry->d_name);
        if (fd == own) {
            continue;
        }
        sockaddr_in local{};
        socklen_t length = sizeof(local);
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0 || local.sin_family != AF_INET ||
            ntohs(local.sin_port) != local_port) {
            continue;
        }
        sockaddr_in peer{};
        length = sizeof(peer);
        if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &length) == 0 && peer.sin_family == AF_INET &&
            peer.sin_addr.s_addr == remote.s_addr && ntohs(peer.sin_port) == remote_port) {
            found = fd;
            break;
        }
    }
    closedir(dir);
    return found;
}

}  // namespace cosmic::telemetry::detail
