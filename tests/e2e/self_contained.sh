# self_contained — the repository needs nothing beside it: no tracked file names the sibling
# folder the public samples and the Xero spec used to be read from (they live in
# fixtures/samples and tests/spec/xero now). Every file `git ls-files` lists is searched;
# binary files are the only ones left out (grep -I).
. "$(dirname "$0")/../lib.sh"
# Built from pieces, so that this file does not hold the string it looks for.
NEEDLE="../sha""red"

# scan DIR LIST: the files of LIST (a file of NUL-separated paths relative to DIR, given by
# its absolute path) that hold NEEDLE
scan() { (cd "$1" && xargs -0 grep -I -l -s -F -e "$NEEDLE" -- <"$2"); }

# The check itself can fail: a planted text file is found, a planted binary one is not.
mkdir -p plant
printf 'seeds from %s/samples\n' "$NEEDLE" >plant/planted.sh
printf 'bin\000%s\n' "$NEEDLE" >plant/planted.bin
printf 'planted.sh\000planted.bin\000' >plant.list
eq "a planted text file is found, a binary one is not" "$(scan "$T/plant" "$T/plant.list")" "planted.sh"

# The tracked files of this checkout (a fresh clone has nothing else).
if [ "$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null)" = "$ROOT" ]; then
  git -C "$ROOT" ls-files -z >tracked.list
  n=$(tr -cd '\0' <tracked.list | wc -c)
  check "git lists the tracked files ($n)" test "$n" -ge 100
else
  bad "$ROOT is not a git checkout: cannot list the tracked files"
fi
scan "$ROOT" "$T/tracked.list" >hits.txt
eq "no tracked file names the folder beside the repository" "$(tr '\n' ' ' <hits.txt)" ""
# the files that moved in are there, and what reads them points at them
check "fixtures/samples holds the public samples" test -s "$FX/samples/settlement-v1-ca-negative.txt"
check "tests/spec/xero holds the Xero spec" test -s "$ROOT/tests/spec/xero/xero_accounting.yaml"
eq "lib.sh reads the samples from fixtures/samples" "$SAMPLES" "$FX/samples"
finish
