#!/usr/bin/env bash
# fanout http vs hey vs Python ThreadPoolExecutor+requests, against the same local server, in one run.
#   bash bench/http/run.sh            (needs: apt-get install hey clang zlib1g-dev; python3 with requests)
# Prints a table; docs/BENCHMARKS.md records a run. The native program is what users run; the JIT build
# (ReadyToRun) is a comparison row, with the peak memory (max RSS) of each.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000}
J=${J:-50}
DELAY_MS=${DELAY_MS:-50}
FAST_N=${FAST_N:-20000}
RUNS=${RUNS:-5}
source bench/lib.sh
require hey hey

publish_fanout
publish_fanout_jit
start_demo_server
echo "server: $base (each response after ${DELAY_MS} ms); $N requests at concurrency $J; 2 cores shared by client and server; best of $RUNS"

seq 1 "$N" | sed "s|.*|$base/delay/$DELAY_MS?i=&|" > "$work/urls.txt"
seq 1 "$FAST_N" | sed "s|.*|$base/delay/0?i=&|" > "$work/fast.txt"
ideal=$(awk -v n="$N" -v d="$DELAY_MS" -v j="$J" 'BEGIN { printf "%.3f", n * d / 1000 / j }')

# Warm the server so the first tool measured is not penalised.
fanout http "$work/urls.txt" -j "$J" -q --body none > /dev/null || true

# Best of RUNS, whole process, each tool in turn so a noisy moment hits all of them.
best() { sort -n | head -1; }
for _ in $(seq 1 "$RUNS"); do
  measure "$work/bin/fanout" http "$work/urls.txt" -j "$J" -q --body none >> "$work/native.txt"
  measure dotnet "$work/jit/fanout.dll" http "$work/urls.txt" -j "$J" -q --body none >> "$work/jit.txt"
  measure hey -n "$N" -c "$J" "$base/delay/$DELAY_MS" >> "$work/hey.txt"
done
read -r native_s native_mb < <(best < "$work/native.txt")
read -r jit_s jit_mb < <(best < "$work/jit.txt")
read -r hey_s hey_mb < <(best < "$work/hey.txt")
read -r py_total py_ok < <(python3 bench/http/threadpool_requests.py "$work/urls.txt" "$J")

printf '\n%-44s %9s %11s %11s %9s\n' "tool ($N x ${DELAY_MS} ms, -j $J)" "wall (s)" "x ideal" "vs hey" "max RSS"
row() { printf '%-44s %9s %11s %11s %9s\n' "$1" "$2" "$(awk -v w="$2" -v i="$ideal" 'BEGIN { printf "%.3f", w / i }')" "$(awk -v w="$2" -v h="$hey_s" 'BEGIN { printf "%.3fx", w / h }')" "$3"; }
row "fanout http (native, whole process)" "$native_s" "${native_mb} MB"
row "fanout http (JIT, ReadyToRun)" "$jit_s" "${jit_mb} MB"
row "hey -n $N -c $J" "$hey_s" "${hey_mb} MB"
row "python ThreadPoolExecutor($J) + requests" "$py_total" "-"

# Throughput on a 0 ms endpoint, same concurrency.
rps() { python3 -c "import json; print('%.0f' % json.load(open('$1'))['items_per_s'])"; }
fanout http "$work/fast.txt" -j "$J" -q --body none --stats "$work/fast.json" > /dev/null
fanout_rps=$(rps "$work/fast.json")
fanout_jit http "$work/fast.txt" -j "$J" -q --body none --stats "$work/fast-jit.json" > /dev/null
jit_rps=$(rps "$work/fast-jit.json")
hey_rps=$(hey -n "$FAST_N" -c "$J" "$base/delay/0" | awk '/Requests\/sec:/ { printf "%.0f", $2 }')
printf '\n%-44s %10s\n' "0 ms endpoint, $FAST_N requests, -j $J" "req/s"
printf '%-44s %10s\n' "fanout http (native)" "$fanout_rps" "fanout http (JIT)" "$jit_rps" "hey" "$hey_rps"
printf '%-44s %10s\n' "fanout (native) / hey" "$(awk -v a="$fanout_rps" -v b="$hey_rps" 'BEGIN { printf "%.2f", a / b }')"
