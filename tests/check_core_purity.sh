#!/bin/sh
# usage: check_core_purity.sh CORE_DIR
# Fails when core/ includes an I/O or network library, iostream, or reads a clock.
set -u
dir=${1:?usage: check_core_purity.sh CORE_DIR}
status=0
if grep -rnE '#include <(boost/|simdjson|prometheus/|openssl/|iostream|fstream|cstdio|chrono>|ctime|sys/|unistd|yaml-cpp)' "$dir"; then
  echo "core/ includes an I/O library, a clock header or iostream (above)"; status=1
fi
if grep -rnE '(system|steady|high_resolution)_clock|clock_gettime|gettimeofday|std::time\(|\btime\(nullptr|getenv|fopen|std::cout|std::cerr|printf' "$dir"; then
  echo "core/ reads a clock, the environment or does I/O (above)"; status=1
fi
[ $status = 0 ] && echo "core/ is pure: $(ls "$dir" | wc -l) files checked"
exit $status
