#pragma once
/// The user directory: who gets which channels (DESIGN.md §8 users file). Loaded from a JSON file,
/// validated as a whole (a bad file never replaces a good directory), swapped atomically on
/// reload: notifications already being delivered keep the user entry they started with.
///
///     {"users": [{"user_id": "u1", "email": "a@b.c", "webhook_url": "https://...",
///                 "webhook_secret": "...", "channels": ["email", "in_app", "websocket", "webhook"],
///                 "quiet": false}]}
///
/// `quiet: true` keeps only in-app notifications (no mail, push or webhook) without losing the
/// user's addresses.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cosmic/schema/event.hpp"

namespace cosmic::notification {

/// A set of channels, one bit per schema::Channel.
class ChannelSet {
  public:
    constexpr ChannelSet() = default;
    static constexpr ChannelSet Of(schema::Channel channel) { return ChannelSet(Bit(channel)); }
    constexpr bool Has(schema::Channel channel) const { return (bits_ & Bit(channel)) != 0; }
    constexpr void Add(schema::Channel channel) { bits_ |= Bit(channel); }
    constexpr void Remove(schema::Channel channel) { bits_ &= static_cast<std::uint8_t>(~Bit(channel)); }
    constexpr bool Empty() const { return bits_ == 0; }
    constexpr std::uint8_t Bits() const { return bits_; }
    friend constexpr bool operator==(ChannelSet, ChannelSet) = default;

  private:
    constexpr explicit ChannelSet(std::uint8_t bits) : bits_(bits) {}
    static constexpr std::uint8_t Bit(schema::Channel channel) {
        return static_cast<std::uint8_t>(1U << static_cast<unsigned>(channel));
    }
    std::uint8_t bits_ = 0;
};

inline constexpr schema::Channel kAllChannels[] = {schema::Channel::kInApp, schema::Channel::kEmail,
                                                   schema::Channel::kWebsocket, schema::Channel::kWebhook};

struct User {
    std::string user_id;
    std::string email;
    std::string webhook_url;
    std::string webhook_secret;
    ChannelSet channels;
    bool quiet = false;
};

/// A bad users file: the message names the entry and the field.
class DirectoryError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

class Directory {
  public:
    /// Parses and validates a whole users file. Throws DirectoryError for invalid JSON, an unknown
    /// field, a duplicate or empty user_id, an unknown channel, a listed channel without its
    /// address (email, webhook_url + webhook_secret of >= 16 bytes), an address with line breaks,
    /// or more than `max_users` users.
    static std::shared_ptr<const Directory> Parse(std::string_view json, std::size_t max_users);
    /// Reads `path` (at most 64 MiB) and parses it; DirectoryError names the file.
    static std::shared_ptr<const Directory> Load(const std::string& path, std::size_t max_users);
    /// No users: everyone is unknown.
    static std::shared_ptr<const Directory> Empty();

    /// nullptr for an unknown user.
    const User* Find(std::string_view user_id) const;
    std::size_t Size() const { return users_.size(); }

  private:
    std::unordered_map<std::string, User, StringHash, std::equal_to<>> users_;
};

/// The channels a notification for `user` goes to: unknown users (nullptr) and quiet users get
/// in-app only; others get what they listed.
ChannelSet ChannelsFor(const User* user);

/// Holds the current directory and reloads it when its file changes (size, mtime, inode: a
/// Kubernetes ConfigMap/Secret update swaps a symlink) or after SIGHUP. Thread-safe.
class DirectoryWatcher {
  public:
    struct Observer {
        std::function<void(std::size_t users)> on_reload;
        std::function<void(const std::string& error)> on_error;
    };

    /// Loads `path` now; throws DirectoryError when it cannot (startup must fail loudly). An
    /// empty path gives the empty directory and never reloads.
    DirectoryWatcher(std::string path, std::size_t max_users, Observer observer = {});

    std::shared_ptr<const Directory> Snapshot() const;
    /// Reloads when the file changed or a SIGHUP arrived since the last check; a failed reload
    /// keeps the current directory and reports the error. Returns true after a reload.
    bool Check();
    /// Reloads unconditionally (tests, SIGHUP).
    bool Reload();
    /// Empty while the last load worked; otherwise why it failed.
    std::string LastError() const;

    /// Installs a SIGHUP handler that makes every watcher reload at its next Check(). Idempotent.
    static void InstallSighupHandler();

  private:
    struct FileStamp {
        std::int64_t mtime_ns = -1;
        std::int64_t size = -1;
        std::uint64_t inode = 0;
        friend bool operator==(const FileStamp&, const FileStamp&) = default;
    };
    FileStamp Stamp() const;

    std::string path_;
    std::size_t max_users_;
    Observer observer_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Directory> current_;
    FileStamp stamp_;
    std::uint64_t seen_sighups_ = 0;
    std::string last_error_;
};

}  // namespace cosmic::notification
