#!/usr/bin/env bash
# fanout read vs coreutils (xargs -P2 sha256sum / wc -l), b3sum and ripgrep (rg -c), on the same files, in one run.
#   bash bench/read/run.sh        (needs: apt-get install ripgrep b3sum clang zlib1g-dev)
# 2,000 files of 256 KiB of log-like text (about 500 MiB), page cache warm; best of 3 runs each.
set -euo pipefail
cd "$(dirname "$0")/../.."
FILES=${FILES:-2000}
KIB=${KIB:-256}
RUNS=${RUNS:-3}
source bench/lib.sh
require rg ripgrep
require b3sum b3sum

publish_fanout
publish_fanout_jit

mkdir -p "$work/data"
python3 - "$work/data/template" "$KIB" <<'PY'
import random, sys
random.seed(1)
path, kib = sys.argv[1], int(sys.argv[2])
words = ["GET", "POST", "/api/items", "200", "404", "user", "session", "cache", "miss", "hit", "latency"]
out, size = [], 0
while size < kib * 1024:
    level = "ERROR" if random.random() < 0.02 else "INFO"
    line = f"2026-11-22T04:{random.randint(0,59):02}:00Z {level} " + " ".join(random.choice(words) for _ in range(8)) + "\n"
    out.append(line); size += len(line)
open(path, "w").write("".join(out)[: kib * 1024])
PY
for i in $(seq 1 "$FILES"); do cp "$work/data/template" "$work/data/f$i.log"; done
rm "$work/data/template"
cat "$work"/data/* > /dev/null
total_mib=$(du -sm "$work/data" | cut -f1)
echo "$FILES files x $KIB KiB ($total_mib MiB), warm page cache, $(nproc) cores; best of $RUNS"

best() {
  local best=
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(now); "$@" > /dev/null; t1=$(now)
    best=$(awk -v a="$t0" -v b="$t1" -v c="$best" 'BEGIN { t = b - a; if (c == "" || t < c) printf "%.3f", t; else printf "%s", c }')
  done
  echo "$best"
}
rss() { measure "$@" | cut -d' ' -f2; }
cd "$work/data"
sha_peer=$(best sh -c 'find . -type f -print0 | xargs -0 -P2 -n200 sha256sum')
sha_fanout=$(best "$work/bin/fanout" read . --hash sha256 -q)
sha_jit=$(best dotnet "$work/jit/fanout.dll" read . --hash sha256 -q)
b3_peer=$(best sh -c 'find . -type f -print0 | xargs -0 -P2 -n200 b3sum')
b3_fanout=$(best "$work/bin/fanout" read . --hash blake3 -q)
b3_jit=$(best dotnet "$work/jit/fanout.dll" read . --hash blake3 -q)
wc_peer=$(best sh -c 'find . -type f -print0 | xargs -0 -P2 -n200 wc -l')
wc_fanout=$(best "$work/bin/fanout" read . --hash none -q)
wc_jit=$(best dotnet "$work/jit/fanout.dll" read . --hash none -q)
rg_peer=$(best rg -c ERROR .)
rg_fanout=$(best "$work/bin/fanout" read . --hash none --grep ERROR -q)
rg_jit=$(best dotnet "$work/jit/fanout.dll" read . --hash none --grep ERROR -q)
rss_native=$(rss "$work/bin/fanout" read . --hash sha256 -q)
rss_jit=$(rss dotnet "$work/jit/fanout.dll" read . --hash sha256 -q)

# Same answers, or the timings mean nothing.
a=$(fanout read . --grep ERROR --hash none -q | python3 -c "import json,sys; print(sum(json.loads(l)['match_count'] for l in sys.stdin))")
b=$(rg -c ERROR . | awk -F: '{ s += $2 } END { print s }')
[ "$a" = "$b" ] || { echo "match counts differ: fanout $a, rg $b" >&2; exit 1; }

printf '\n%-22s %-34s %7s %9s %9s %9s\n' "task" "peer" "peer s" "native s" "x peer" "JIT s"
ratio() { awk -v f="$1" -v p="$2" 'BEGIN { printf "%.2fx", f / p }'; }
row() { printf '%-22s %-34s %7s %9s %9s %9s\n' "$1" "$2" "$3" "$4" "$(ratio "$4" "$3")" "$5"; }
row "sha256 of every file" "find | xargs -P2 -n200 sha256sum" "$sha_peer" "$sha_fanout" "$sha_jit"
row "blake3 of every file" "find | xargs -P2 -n200 b3sum" "$b3_peer" "$b3_fanout" "$b3_jit"
row "line counts" "find | xargs -P2 -n200 wc -l" "$wc_peer" "$wc_fanout" "$wc_jit"
row "count lines with ERROR" "rg -c ERROR" "$rg_peer" "$rg_fanout" "$rg_jit"
echo "(whole processes, best of $RUNS; x peer is fanout's time over the peer's; both found $a matching lines)"
echo "max RSS, sha256 of every file: native ${rss_native} MB, JIT ${rss_jit} MB"
echo "fanout blake3 vs fanout sha256, same files: $(awk -v a="$sha_fanout" -v b="$b3_fanout" 'BEGIN { printf "%.2fx faster", a / b }') (target >= 1.5x)"
