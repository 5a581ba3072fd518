#!/bin/sh
# usage: scripts/deps.sh LIST...   install the Debian packages named in the given list files
# when missing (as root with apt-get; otherwise print the exact command and fail).
#
# A list line is a package name, optionally followed by `cmd=NAME`: the package also counts
# as present when the command NAME is on PATH. npm needs it: a Node.js installed from another
# repository (e.g. NodeSource's nodejs, which bundles npm) conflicts with Debian's npm package.
set -eu
missing=""
for list in "$@"; do
  for entry in $(grep -v '^#' "$list" | awk 'NF {print $1 ($2 ~ /^cmd=/ ? ":" substr($2, 5) : "")}'); do
    pkg=${entry%%:*}
    cmd=""
    [ "$pkg" != "$entry" ] && cmd=${entry#*:}
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
      continue
    fi
    if [ -n "$cmd" ] && command -v "$cmd" >/dev/null 2>&1; then
      continue
    fi
    missing="$missing $pkg"
  done
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing$missing"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 $missing >/dev/null
else
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: run: sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
