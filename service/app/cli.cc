#include "service/app/cli.h"

#include <cstdio>

namespace levdyn::app {

int run_cli(int, char**) {
  std::fputs("levdyn: usage: levdyn serve|demo|sim|normalize|version\n", stderr);
  return 2;
}

}  // namespace levdyn::app
