#!/bin/sh
# render_workbook — a screenshot-level look at a workbook: LibreOffice (headless) prints every
# sheet to PDF, pdftoppm turns each page into a PNG, for a person to read as an auditor would.
# Not part of `make test`: it needs libreoffice-calc-nogui and poppler-utils, and skips with a
# message when they are missing.
# usage: tests/render_workbook.sh WORKBOOK.xlsx [OUTDIR]   (default OUTDIR: tests/out/render)
set -u
x=${1:?usage: tests/render_workbook.sh WORKBOOK.xlsx [OUTDIR]}
out=${2:-$(cd "$(dirname "$0")" && pwd)/out/render}
soffice=$(command -v soffice || command -v libreoffice || true)
if [ -z "$soffice" ] || ! command -v pdftoppm >/dev/null 2>&1; then
  echo "render_workbook: skipped: needs LibreOffice (apt-get install libreoffice-calc-nogui)" \
       "and pdftoppm (apt-get install poppler-utils)"
  exit 0
fi
mkdir -p "$out" || exit 1
name=$(basename "$x" .xlsx)
rm -f "$out/$name".pdf "$out/$name"-*.png
# a private profile folder, so a running LibreOffice or a first-start dialog never interferes
profile="$out/.lo-profile"
if ! timeout 180 "$soffice" -env:UserInstallation="file://$profile" --headless \
     --convert-to pdf --outdir "$out" "$x" >"$out/$name.log" 2>&1 || [ ! -s "$out/$name.pdf" ]; then
  echo "render_workbook: LibreOffice could not convert $x:"; cat "$out/$name.log"; exit 1
fi
pdftoppm -png -r 80 "$out/$name.pdf" "$out/$name" || exit 1
ls "$out/$name"-*.png
