#pragma once

// Helpers shared by the venue codec tests (tests/unit/venues): reading a fixture file and
// editing frame text.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace levdyn::test {

/// The whole file at `path`; fails the test (and returns "") when it cannot be opened.
inline std::string read_fixture_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open fixture " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// `s` without trailing newlines, carriage returns and spaces.
inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// Returns `s` with the first occurrence of `from` replaced; fails the test if absent.
inline std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from << " not in " << s;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace levdyn::test
