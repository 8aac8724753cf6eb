#!/usr/bin/env bash
# Start-up: the whole process of `fanout --version` and of a one-line `fanout read`, native vs JIT, with hyperfine.
#   bash bench/startup/run.sh        (needs: apt-get install hyperfine clang zlib1g-dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-50}
source bench/lib.sh
require hyperfine hyperfine
publish_fanout
publish_fanout_jit
echo "one line" > "$work/one.txt"
hyperfine -N -w 5 -r "$RUNS" --export-json "$work/startup.json" \
  -n "native --version" "$work/bin/fanout --version" \
  -n "native read (1 line)" "$work/bin/fanout read $work/one.txt -q -o /dev/null" \
  -n "JIT --version" "dotnet $work/jit/fanout.dll --version" \
  -n "JIT read (1 line)" "dotnet $work/jit/fanout.dll read $work/one.txt -q -o /dev/null" > /dev/null
python3 - "$work/startup.json" <<'PY'
import json, sys
print(f"\n{'command':<26} {'mean (ms)':>10} {'median':>8} {'min':>8}")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"{r['command']:<26} {r['mean'] * 1000:>10.1f} {r['median'] * 1000:>8.1f} {r['min'] * 1000:>8.1f}")
PY
