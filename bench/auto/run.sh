#!/usr/bin/env bash
# -j auto against a sweep of fixed -j, each measured in the same run (issue 16's targets).
#   bash bench/auto/run.sh      (needs: apt-get install clang zlib1g-dev)
# 1) demo server capacity C (C served at once, 20 ms each, queue beyond, 503 beyond 3C): C = 8 and 64
# 2) a rate limit of 200/s (429 + Retry-After: 1 above it)
# 3) capacity dropping from 64 to 8 halfway
# 4) fanout run: CPU-bound commands (sha256sum of a 20 MB file) and 'sleep 0.2'
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-5000}
source bench/lib.sh
publish_fanout
start_demo_server

stat() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['$1'])" "$2"; }
attempts_over() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print('%.2f%%' % (100.0 * (s['attempts'] - s['completed']) / s['completed']))" "$1"; }
limit_of() { python3 -c "import json,sys; a=json.load(open(sys.argv[1])).get('auto_concurrency',[{}])[0]; print('%s..%s, settled %s' % (a.get('lowest'), a.get('highest'), a.get('limit')))" "$1"; }

# capacity C EXTRA [COUNT]: the request list (COUNT requests, default N)
capacity() {
  local c=$1 extra=${2:-} count=${3:-$N}
  for i in $(seq 1 "$count"); do echo "$base/capacity/$c?ms=20$extra&i=$i&run=$RANDOM"; done > "$work/cap.txt"
}

for c in 8 64; do
  echo "capacity $c, 20 ms each, $N requests for -j auto (fixed -j: 200 x j, at most $N: a rate needs no more; items/s; retried = 503s seen)"
  best=0; best_j=0
  for j in 1 2 4 8 16 32 64 128 256; do
    capacity "$c" "&sweep=$j" $(( 200 * j < N ? 200 * j : N ))
    fanout http "$work/cap.txt" -j "$j" --retries 5 -q -o /dev/null --stats "$work/s.json" || true
    rate=$(stat items_per_s "$work/s.json")
    printf '  -j %-4s %9.1f/s  retried %s\n' "$j" "$rate" "$(attempts_over "$work/s.json")"
    if awk -v a="$rate" -v b="$best" 'BEGIN { exit !(a > b) }'; then best=$rate; best_j=$j; fi
  done
  capacity "$c" "&sweep=auto"
  fanout http "$work/cap.txt" -j auto --retries 5 -q -o /dev/null --stats "$work/s.json" || true
  rate=$(stat items_per_s "$work/s.json")
  printf '  -j auto %8.1f/s  retried %s  limit %s\n' "$rate" "$(attempts_over "$work/s.json")" "$(limit_of "$work/s.json")"
  awk -v a="$rate" -v b="$best" -v j="$best_j" 'BEGIN { printf "  auto / best fixed (-j %s): %.2fx\n", j, a / b }'
done

echo "rate limit 200/s, $N requests"
for i in $(seq 1 "$N"); do echo "$base/rate/200?i=$i"; done > "$work/rate.txt"
fanout http "$work/rate.txt" -j auto --retries 10 -q -o /dev/null --stats "$work/s.json" || true
wall=$(stat wall_ms "$work/s.json")
awk -v w="$wall" -v n="$N" 'BEGIN { printf "  wall %.2f s = %.2fx of N/R (%.1f s)\n", w / 1000, (w / 1000) / (n / 200), n / 200 }'
echo "  requests that saw a 429: $(attempts_over "$work/s.json")"

echo "capacity 64 -> 8 after half of $((N * 2)) requests"
for i in $(seq 1 $((N * 2))); do echo "$base/capacity/64?ms=20&drop_after=$N&drop_to=8&i=$i&run=$RANDOM"; done > "$work/drop.txt"
fanout http "$work/drop.txt" -j auto --retries 5 -q -o /dev/null --stats "$work/s.json" || true
echo "  503s seen: $(attempts_over "$work/s.json"); limit $(limit_of "$work/s.json")"
python3 - "$work/s.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
h = s['auto_concurrency'][0]['history']
print('  limit over time (s: limit): ' + ', '.join('%.1f: %d' % (t / 1000, l) for t, l in h[:: max(1, len(h) // 24)]))
PY

echo "fanout run: 200 x sha256sum of a 20 MB file (CPU-bound; $(nproc) cores)"
head -c 20000000 /dev/urandom > "$work/big.bin"
for i in $(seq 1 200); do echo "sha256sum $work/big.bin"; done > "$work/cpu.txt"
best=999999; best_j=0
for j in 1 2 4 8 16; do
  t0=$(now); fanout run "$work/cpu.txt" -j "$j" -q > /dev/null; t1=$(now); w=$(elapsed "$t0" "$t1")
  printf '  -j %-4s %8.3f s\n' "$j" "$w"
  if awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w; best_j=$j; fi
done
t0=$(now); fanout run "$work/cpu.txt" -j auto -q --stats "$work/s.json" > /dev/null; t1=$(now); w=$(elapsed "$t0" "$t1")
printf '  -j auto %7.3f s  limit %s\n' "$w" "$(limit_of "$work/s.json")"
awk -v a="$w" -v b="$best" -v j="$best_j" 'BEGIN { printf "  auto / best fixed (-j %s): %.2fx the time\n", j, a / b }'

echo "fanout run: 200 x sleep 0.2"
for i in $(seq 1 200); do echo "sleep 0.2"; done > "$work/sleep.txt"
t0=$(now); fanout run "$work/sleep.txt" -j 200 -q > /dev/null; t1=$(now); fixed=$(elapsed "$t0" "$t1")
t0=$(now); fanout run "$work/sleep.txt" -j auto -q --stats "$work/s.json" > /dev/null; t1=$(now); w=$(elapsed "$t0" "$t1")
printf '  -j 200 %.3f s, -j auto %.3f s (limit %s): %.2fx\n' "$fixed" "$w" "$(limit_of "$work/s.json")" "$(awk -v a="$w" -v b="$fixed" 'BEGIN { print a / b }')"
