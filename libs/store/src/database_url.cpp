#include "cosmic/store/database_url.hpp"

#include <filesystem>
#include <stdexcept>

namespace cosmic::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";

bool IsPostgres(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

}  // namespace

DatabaseUrl ParseDatabaseUrl(std::string_view url) {
    DatabaseUrl out;
    out.url = std::string(url);
    if (IsPostgres(url)) {
        out.backend = Backend::kPostgres;
        return out;
    }
    if (!url.starts_with(kSqliteScheme)) {
        throw std::invalid_argument("unknown database URL scheme (want sqlite:///path or postgresql://...)");
    }
    out.path = std::string(url.substr(kSqliteScheme.size()));
    if (out.path.empty() || out.path == "/") throw std::invalid_argument("sqlite URL without a path");
    return out;
}

std::string SqlitePathFromUrl(std::string_view url, std::string_view data_dir, std::string_view default_file) {
    if (url.empty()) return (std::filesystem::path(data_dir) / default_file).string();
    DatabaseUrl parsed = ParseDatabaseUrl(url);
    if (parsed.backend == Backend::kPostgres) {
        throw std::invalid_argument("a PostgreSQL URL is not supported here: this store needs sqlite:///path");
    }
    return std::move(parsed.path);
}

}  // namespace cosmic::store
