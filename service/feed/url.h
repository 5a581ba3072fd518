#pragma once

// Parsing of the wss:// and https:// URLs in the config.

#include <string>
#include <string_view>

namespace levdyn::feed {

struct Url {
  std::string scheme;  // "wss" or "https"
  std::string host;
  std::string port;    // defaulted from the scheme
  std::string target;  // path + query, at least "/"
};

/// Parses `text`; on failure returns false and sets `error` to a one-line reason.
[[nodiscard]] bool parse_url(std::string_view text, Url& out, std::string& error);

/// Joins a base URL (no trailing slash needed) and a path+query.
[[nodiscard]] std::string join_url(std::string_view base, std::string_view target);

}  // namespace levdyn::feed
