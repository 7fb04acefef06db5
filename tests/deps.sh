#!/bin/sh
# Installs the Debian packages settlebook builds and tests with, when something is missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
pkgs="build-essential pkg-config libcsv-dev libsqlite3-dev libjansson-dev libcurl4-openssl-dev
libxlsxwriter-dev libssl-dev zlib1g-dev sqlite3 curl python3 python3-jsonschema python3-openpyxl
python3-yaml clang libclang-rt-14-dev groff-base man-db"
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
