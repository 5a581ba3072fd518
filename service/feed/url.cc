#include "service/feed/url.h"

#include <charconv>

namespace levdyn::feed {

bool parse_url(std::string_view text, Url& out, std::string& error) {
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) {
    error = "missing scheme (expected wss:// or https://)";
    return false;
  }
  out.scheme = std::string(text.substr(0, sep));
  if (out.scheme != "wss" && out.scheme != "https") {
    error = "unsupported scheme '" + out.scheme + "' (expected wss or https: TLS is required)";
    return false;
  }
  std::string_view rest = text.substr(sep + 3);
  const auto slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!out.target.empty() && out.target[0] == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) {
    error = "credentials in URLs are not supported";
    return false;
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated IPv6 address";
      return false;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    error = "missing host";
    return false;
  }
  out.host = std::string(host);
  if (port.empty()) {
    out.port = "443";
  } else {
    unsigned value = 0;
    const auto r = std::from_chars(port.data(), port.data() + port.size(), value);
    if (r.ec != std::errc() || r.ptr != port.data() + port.size() || value == 0 || value > 65535) {
      error = "bad port '" + std::string(port) + "'";
      return false;
    }
    out.port = std::string(port);
  }
  return true;
}

std::string join_url(std::string_view base, std::string_view target) {
  std::string s(base);
  while (!s.empty() && s.back() == '/') s.pop_back();
  if (!target.empty() && target[0] != '/') s += '/';
  s.append(target);
  return s;
}

}  // namespace levdyn::feed
