#include "cosmic/notification_consumer/user_directory.hpp"

#include <signal.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

namespace cosmic::notification {

namespace {

constexpr std::size_t kMaxFileBytes = 64U << 20;
constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxAddressBytes = 2048;
constexpr std::size_t kMinSecretBytes = 16;

std::atomic<std::uint64_t> g_sighups{0};

extern "C" void OnSighup(int) { g_sighups.fetch_add(1, std::memory_order_relaxed); }

[[noreturn]] void Fail(std::size_t index, std::string_view user_id, std::string_view message) {
    std::string where = "users[" + std::to_string(index) + "]";
    if (!user_id.empty()) where += " (" + std::string(user_id.substr(0, 64)) + ")";
    throw DirectoryError(where + ": " + std::string(message));
}

bool HasControl(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    }
    return false;
}

}  // namespace

ChannelSet ChannelsFor(const User* user) {
    if (user == nullptr || user->quiet) return ChannelSet::Of(schema::Channel::kInApp);
    return user->channels;
}

std::shared_ptr<const Directory> Directory::Empty() { return std::make_shared<const Directory>(); }

const User* Directory::Find(std::string_view user_id) const {
    const auto it = users_.find(user_id);
    return it == users_.end() ? nullptr : &it->second;
}

std::shared_ptr<const Directory> Directory::Parse(std::string_view json, std::size_t max_users) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.parse(json.data(), json.size()).get(root)) {
        throw DirectoryError(std::string("not valid JSON: ") + simdjson::error_message(error));
    }
    simdjson::dom::object top;
    if (root.get_object().get(top) != simdjson::SUCCESS) throw DirectoryError("expected a JSON object");
    simdjson::dom::array list;
    for (auto [key, value] : top) {
        if (key != "users") throw DirectoryError("unknown field '" + std::string(key.substr(0, 64)) + "'");
        if (value.get_array().get(list) != simdjson::SUCCESS) throw DirectoryError("users: expected an array");
    }
    auto directory = std::make_shared<Directory>();
    std::size_t index = 0;
    for (simdjson::dom::element entry : list) {
        if (directory->users_.size() >= max_users) {
            throw DirectoryError("more than users.max = " + std::to_string(max_users) + " users");
        }
        simdjson::dom::object object;
        if (entry.get_object().get(object) != simdjson::SUCCESS) Fail(index, {}, "expected an object");
        User user;
        bool channels_given = false;
        for (const simdjson::dom::key_value_pair field : object) {
            // Named copies rather than a structured binding: clang 14 (the fuzz preset) cannot
            // capture a binding in the lambda below.
            const std::string_view key = field.key;
            const simdjson::dom::element value = field.value;
            auto text = [&](std::string& out, std::size_t max) {
                std::string_view view;
                if (value.get_string().get(view) != simdjson::SUCCESS) {
                    Fail(index, user.user_id, std::string(key) + ": expected a string");
                }
                if (view.size() > max) Fail(index, user.user_id, std::string(key) + ": too long");
                if (HasControl(view)) Fail(index, user.user_id, std::string(key) + ": contains control characters");
                out.assign(view);
            };
            if (key == "user_id") {
                text(user.user_id, kMaxIdBytes);
            } else if (key == "email") {
                text(user.email, kMaxAddressBytes);
            } else if (key == "webhook_url") {
                text(user.webhook_url, kMaxAddressBytes);
            } else if (key == "webhook_secret") {
                text(user.webhook_secret, kMaxAddressBytes);
            } else if (key == "quiet") {
                if (value.get_bool().get(user.quiet) != simdjson::SUCCESS) {
                    Fail(index, user.user_id, "quiet: expected true or false");
                }
            } else if (key == "channels") {
                channels_given = true;
                simdjson::dom::array channels;
                if (value.get_array().get(channels) != simdjson::SUCCESS) {
                    Fail(index, user.user_id, "channels: expected an array");
                }
                for (simdjson::dom::element channel : channels) {
                    std::string_view name;
                    std::optional<schema::Channel> parsed;
                    if (channel.get_string().get(name) == simdjson::SUCCESS) parsed = schema::ParseChannel(name);
                    if (!parsed) {
                        Fail(index, user.user_id,
                             "channels: expected \"email\", \"in_app\", \"websocket\" or \"webhook\"");
                    }
                    user.channels.Add(*parsed);
                }
            } else {
                Fail(index, user.user_id, "unknown field '" + std::string(key.substr(0, 64)) + "'");
            }
        }
        if (user.user_id.empty()) Fail(index, {}, "user_id: missing or empty");
        if (!channels_given) user.channels.Add(schema::Channel::kInApp);
        if (user.channels.Has(schema::Channel::kEmail)) {
            const std::size_t at = user.email.find('@');
            if (at == std::string::npos || at == 0 || at + 1 == user.email.size() ||
                user.email.find_first_of("<> ,;\"") != std::string::npos) {
                Fail(index, user.user_id, "email: channel 'email' needs an address such as a@example.com");
            }
        }
        if (user.channels.Has(schema::Channel::kWebhook)) {
            if (!user.webhook_url.starts_with("http://") && !user.webhook_url.starts_with("https://")) {
                Fail(index, user.user_id, "webhook_url: channel 'webhook' needs an http:// or https:// URL");
            }
            if (user.webhook_secret.size() < kMinSecretBytes) {
                Fail(index, user.user_id, "webhook_secret: channel 'webhook' needs a secret of at least 16 bytes");
            }
        }
        std::string id = user.user_id;
        if (!directory->users_.emplace(std::move(id), std::move(user)).second) {
            Fail(index, {}, "duplicate user_id");
        }
        ++index;
    }
    return directory;
}

std::shared_ptr<const Directory> Directory::Load(const std::string& path, std::size_t max_users) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DirectoryError(path + ": cannot open");
    std::string text;
    text.resize(kMaxFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) throw DirectoryError(path + ": read failed");
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) throw DirectoryError(path + ": larger than 64 MiB");
    try {
        return Parse(text, max_users);
    } catch (const DirectoryError& error) {
        throw DirectoryError(path + ": " + error.what());
    }
}

DirectoryWatcher::DirectoryWatcher(std::string path, std::size_t max_users, Observer observer)
    : path_(std::move(path)), max_users_(max_users), observer_(std::move(observer)) {
    seen_sighups_ = g_sighups.load(std::memory_order_relaxed);
    if (path_.empty()) {
        current_ = Directory::Empty();
        return;
    }
    stamp_ = Stamp();
    current_ = Directory::Load(path_, max_users_);
    if (observer_.on_reload) observer_.on_reload(current_->Size());
}

std::shared_ptr<const Directory> DirectoryWatcher::Snapshot() const {
    std::lock_guard lock(mutex_);
    return current_;
}

std::string DirectoryWatcher::LastError() const {
    std::lock_guard lock(mutex_);
    return last_error_;
}

DirectoryWatcher::FileStamp DirectoryWatcher::Stamp() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return {};
    return FileStamp{static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
                     static_cast<std::int64_t>(st.st_size), static_cast<std::uint64_t>(st.st_ino)};
}

bool DirectoryWatcher::Check() {
    if (path_.empty()) return false;
    const std::uint64_t sighups = g_sighups.load(std::memory_order_relaxed);
    bool changed = false;
    {
        std::lock_guard lock(mutex_);
        changed = sighups != seen_sighups_ || Stamp() != stamp_;
        seen_sighups_ = sighups;
    }
    return changed && Reload();
}

bool DirectoryWatcher::Reload() {
    if (path_.empty()) return false;
    // Stamp before reading: a write racing the read is seen as a change at the next check.
    const FileStamp stamp = Stamp();
    try {
        auto loaded = Directory::Load(path_, max_users_);
        const std::size_t size = loaded->Size();
        {
            std::lock_guard lock(mutex_);
            current_ = std::move(loaded);
            stamp_ = stamp;
            last_error_.clear();
        }
        if (observer_.on_reload) observer_.on_reload(size);
        return true;
    } catch (const DirectoryError& error) {
        {
            std::lock_guard lock(mutex_);
            stamp_ = stamp;  // not retried until the file changes again
            last_error_ = error.what();
        }
        if (observer_.on_error) observer_.on_error(error.what());
        return false;
    }
}

void DirectoryWatcher::InstallSighupHandler() {
    struct sigaction action {};
    action.sa_handler = &OnSighup;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGHUP, &action, nullptr);
}

}  // namespace cosmic::notification
