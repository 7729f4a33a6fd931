#include "table.hpp"

#include <algorithm>

namespace cosmic::cosmicctl {

void TextTable::Print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        widths.resize(std::max(widths.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    for (const auto& row : rows_) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) {
                line.append(widths[c] - row[c].size() + 2, ' ');
            }
        }
        out << line << '\n';
    }
}

std::string Shorten(const std::string& text, std::size_t max) {
    std::string flat;
    for (char c : text) {
        if (c == '\n') {
            flat += "\\n";
        } else {
            flat += c;
        }
    }
    if (flat.size() <= max) {
        return flat;
    }
    // Cut on a UTF-8 boundary so the ellipsis never splits a character.
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(flat[cut]) & 0xC0) == 0x80) {
        --cut;
    }
    return flat.substr(0, cut) + "\u2026";
}

}  // namespace cosmic::cosmicctl
