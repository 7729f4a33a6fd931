#pragma once
/// COSMIC_DATABASE_URL: which store a stateful service uses. `sqlite:///abs/path` (or
/// `sqlite://rel/path`) is the embedded default; `postgresql://…` / `postgres://…` selects the
/// PostgreSQL store (cosmic/store/postgres.hpp), passed to libpq as it is.

#include <string>
#include <string_view>

namespace cosmic::store {

enum class Backend { kSqlite, kPostgres };

struct DatabaseUrl {
    Backend backend = Backend::kSqlite;
    std::string path;  ///< kSqlite: the file; kPostgres: empty
    std::string url;   ///< as given
};

/// Parses a non-empty URL. Throws std::invalid_argument for another scheme or a sqlite URL
/// without a path.
DatabaseUrl ParseDatabaseUrl(std::string_view url);

/// The SQLite file a service opens: "" -> `${data_dir}/${default_file}`, sqlite URL -> its path.
/// Throws std::invalid_argument for a PostgreSQL URL (it has no file: check the backend first), another
/// scheme or a sqlite URL without a path; callers wrap it into a ConfigError naming their key.
std::string SqlitePathFromUrl(std::string_view url, std::string_view data_dir, std::string_view default_file);

}  // namespace cosmic::store
