// levdyn: the executable. Only wiring lives here; see service/app/cli.h.
#include "service/app/cli.h"

int main(int argc, char** argv) { return levdyn::app::run_cli(argc, argv); }
