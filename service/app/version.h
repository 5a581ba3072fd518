#pragma once

// Version and build information (`levdyn version`, levdyn_build_info).

#include <string>

namespace levdyn::app {

[[nodiscard]] const char* version() noexcept;
/// Multi-line text: version, compiler, build type, dependency versions.
[[nodiscard]] std::string version_text();

}  // namespace levdyn::app
