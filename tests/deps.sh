#!/bin/sh
# tests/deps.sh [build|test|asan|fuzz] — installs the Debian packages that set needs, when
# something is missing: `build` compiles settlebook (make, make demo), `test` adds what the
# suite runs (sqlite3, python3 with jsonschema/openpyxl/yaml, curl, time zone data, man
# to render the man page), `asan`
# and `fuzz` add clang and its sanitizer runtime. As root it runs apt-get; otherwise it prints
# the exact command and stops.
set -u
build="build-essential pkg-config libcsv-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev
libxlsxwriter-dev libssl-dev zlib1g-dev"
test="$build sqlite3 curl python3 python3-jsonschema python3-openpyxl python3-yaml tzdata
groff-base man-db"
sanit="$test clang libclang-rt-14-dev"
case "${1:-test}" in
  build) pkgs=$build ;;
  test) pkgs=$test ;;
  asan|fuzz) pkgs=$sanit ;;
  *) echo "usage: tests/deps.sh [build|test|asan|fuzz]" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get update && apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
  echo "settlebook: installing missing packages:$missing"
  sh -c "DEBIAN_FRONTEND=noninteractive $cmd" >/tmp/settlebook-apt.log 2>&1 || {
    echo "settlebook: apt-get failed; see /tmp/settlebook-apt.log"; exit 1; }
else
  echo "settlebook: missing packages:$missing"
  echo "run as root:  sudo sh -c '$cmd'"
  exit 1
fi
