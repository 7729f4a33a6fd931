#pragma once
/// Finds the descriptor of an accepted TCP connection from its address pair.
///
/// civetweb has no call to end a WebSocket from outside the thread that reads it (the read loop
/// only stops on a peer close, an error, or server stop). Shutting the socket down makes that
/// read return at once, so a slow client can be dropped and Stop() need not wait for polls.

#include <string_view>

namespace cosmic::telemetry::detail {

/// The descriptor whose peer is remote_addr:remote_port (IPv4) and whose local port is
/// local_port, or -1. The connection's socket inode comes from /proc/net/tcp and the descriptor
/// from the /proc/self/fd links, so no other thread's descriptors are touched while they may be
/// closing; an open connection's address pair and inode are unique, so the match is exact.
int FindConnectedSocket(std::string_view remote_addr, int remote_port, int local_port);

/// The same answer from the process's own descriptors only (getsockname/getpeername on each
/// socket in /proc/self/fd), so its cost does not grow with the host's TCP table, which a flood
/// of short connections fills with TIME_WAIT entries. The caller must know the connection stays
/// open during the call: a descriptor closed and reused meanwhile cannot carry the same pair.
int FindOwnSocket(std::string_view remote_addr, int remote_port, int local_port);

}  // namespace cosmic::telemetry::detail
