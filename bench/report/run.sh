#!/usr/bin/env bash
# The HTML report of a big run (issue 18): 1,000,000 result records -> one file under 10 MB that a browser draws in
# under 3 s. Baseline in the same run: chromium drawing the report of a 100-item run (its own start-up and layout).
#   bash bench/report/run.sh     (needs: apt-get install chromium clang zlib1g-dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000000}
source bench/lib.sh
require chromium chromium
publish_fanout

# Records as a -j 64 http run writes them: 64 workers, 1 in 500 failing with one of three errors, a long tail.
python3 - "$N" > "$work/big.jsonl" <<'PY'
import json, sys, random
from datetime import datetime, timedelta, timezone
n = int(sys.argv[1]); random.seed(7)
t0 = datetime(2026, 11, 30, 12, 0, 0, tzinfo=timezone.utc)
free = [0.0] * 64
errors = ["HTTP 503 Service Unavailable", "timed out after 10 s", "Connection refused (10.0.0.9:443)"]
for i in range(n):
    w = min(range(64), key=free.__getitem__)
    ms = random.lognormvariate(3, 0.6)
    start = free[w]; free[w] += ms
    ok = i % 500 != 499
    r = {"key": f"https://api.test/items/{i}", "ok": ok, "url": f"https://api.test/items/{i}", "method": "GET",
         "status": 200 if ok else 503, "bytes": 512, "attempts": 1 if ok else 3, "elapsed_ms": round(ms, 3), "queued_ms": 0.1,
         "worker": w + 1, "started_at": (t0 + timedelta(milliseconds=start)).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
         "ended_at": (t0 + timedelta(milliseconds=free[w])).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
         "error": None if ok else errors[i % 3], "error_kind": None if ok else "http"}
    print(json.dumps(r))
PY
head -100 "$work/big.jsonl" > "$work/small.jsonl"

render() {  # prints the seconds chromium took to load, run and dump the page
  local t0 t1; t0=$(now)
  chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" --dump-dom "file://$1" > "$work/dom.html" 2>/dev/null
  t1=$(now); grep -q 'data-rendered="ok"' "$work/dom.html" || { echo "the page did not draw: $1" >&2; exit 1; }
  elapsed "$t0" "$t1"
}

read -r build_s build_mb < <(measure "$work/bin/fanout" report "$work/big.jsonl" -o "$work/big.html")
fanout report "$work/small.jsonl" -o "$work/small.html" > /dev/null 2>&1
size_mb=$(awk -v b="$(stat -c %s "$work/big.html")" 'BEGIN { printf "%.2f", b / 1e6 }')
render "$work/small.html" > /dev/null   # the browser's first start (profile, caches) is not the report's
small_s=$(render "$work/small.html")
big_s=$(render "$work/big.html")
echo "$N records ($(awk -v b="$(stat -c %s "$work/big.jsonl")" 'BEGIN { printf "%.0f", b / 1e6 }') MB of JSONL)"
printf '  fanout report         %7.3f s, max RSS %s MB\n' "$build_s" "$build_mb"
printf '  report size           %7s MB   (target < 10 MB)\n' "$size_mb"
printf '  chromium, 100 items   %7.3f s   (start-up and layout: the baseline)\n' "$small_s"
printf '  chromium, %s items %7.3f s   = baseline + %.3f s   (target < 3 s)\n' "$N" "$big_s" "$(awk -v a="$big_s" -v b="$small_s" 'BEGIN { print a - b }')"
