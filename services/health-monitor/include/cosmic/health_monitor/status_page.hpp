#pragma once
/// The status page served at `/`: one self-contained HTML document (inline CSS and JS, no CDN,
/// no build step). It asks for a token (kept in localStorage, or given as #token=... in the URL),
/// opens /ws/health and re-renders on every snapshot the service pushes.

#include <string_view>

namespace cosmic::health {

std::string_view StatusPageHtml() noexcept;

}  // namespace cosmic::health
