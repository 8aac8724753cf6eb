#!/usr/bin/env bash
# fanout http vs hey vs Python ThreadPoolExecutor+requests, against the same local server, in one run.
#   bash bench/http/run.sh            (needs: apt-get install hey; python3 with requests)
# Prints a table; docs/BENCHMARKS.md records a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000}
J=${J:-50}
DELAY_MS=${DELAY_MS:-50}
FAST_N=${FAST_N:-20000}
source bench/lib.sh
require hey hey

publish_fanout
start_demo_server
echo "server: $base (each response after ${DELAY_MS} ms); $N requests at concurrency $J; 2 cores shared by client and server"

seq 1 "$N" | sed "s|.*|$base/delay/$DELAY_MS?i=&|" > "$work/urls.txt"
seq 1 "$FAST_N" | sed "s|.*|$base/delay/0?i=&|" > "$work/fast.txt"
ideal=$(awk -v n="$N" -v d="$DELAY_MS" -v j="$J" 'BEGIN { printf "%.3f", n * d / 1000 / j }')

# Warm the server (JIT) so the first tool measured is not penalised.
fanout http "$work/urls.txt" -j "$J" -q --body none > /dev/null || true

t0=$(now); fanout http "$work/urls.txt" -j "$J" -q --body none --stats "$work/stats.json" > /dev/null; t1=$(now)
fanout_process=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
fanout_run=$(python3 -c "import json; print('%.3f' % (json.load(open('$work/stats.json'))['wall_ms'] / 1000))")

hey_total=$(hey -n "$N" -c "$J" "$base/delay/$DELAY_MS" | awk '/Total:/ { print $2 }')
read -r py_total py_ok < <(python3 bench/http/threadpool_requests.py "$work/urls.txt" "$J")

printf '\n%-44s %10s %12s\n' "tool ($N x ${DELAY_MS} ms, -j $J)" "wall (s)" "x ideal ${ideal}s"
row() { printf '%-44s %10s %12s\n' "$1" "$2" "$(awk -v w="$2" -v i="$ideal" 'BEGIN { printf "%.3f", w / i }')"; }
row "fanout http (run, from --stats)" "$fanout_run"
row "fanout http (whole process, incl. startup)" "$fanout_process"
row "hey -n $N -c $J" "$hey_total"
row "python ThreadPoolExecutor($J) + requests" "$py_total"

# Throughput on a 0 ms endpoint, same concurrency.
fanout http "$work/fast.txt" -j "$J" -q --body none --stats "$work/fast.json" > /dev/null
fanout_rps=$(python3 -c "import json; print('%.0f' % json.load(open('$work/fast.json'))['per_second'])")
hey_rps=$(hey -n "$FAST_N" -c "$J" "$base/delay/0" | awk '/Requests\/sec:/ { printf "%.0f", $2 }')
printf '\n%-44s %10s\n' "0 ms endpoint, $FAST_N requests, -j $J" "req/s"
printf '%-44s %10s\n' "fanout http" "$fanout_rps" "hey" "$hey_rps"
printf '%-44s %10s\n' "fanout / hey" "$(awk -v a="$fanout_rps" -v b="$hey_rps" 'BEGIN { printf "%.2f", a / b }')"
