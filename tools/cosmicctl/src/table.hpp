#pragma once
// Plain-text tables for terminal output: columns padded to their widest cell.

#include <ostream>
#include <string>
#include <vector>

namespace cosmic::cosmicctl {

class TextTable {
  public:
    explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
    void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    /// Rows without the header.
    std::size_t Size() const noexcept { return rows_.size() - 1; }
    void Print(std::ostream& out) const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

/// `text` cut to `max` characters with "…" when longer; newlines shown as "\n".
std::string Shorten(const std::string& text, std::size_t max);

}  // namespace cosmic::cosmicctl
