#pragma once

// Subcommand dispatch for the levdyn binary (DESIGN §6).

namespace levdyn::app {

/// Parses argv and runs the subcommand. Returns the process exit code (2 for usage errors).
int run_cli(int argc, char** argv);

}  // namespace levdyn::app
