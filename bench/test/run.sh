#!/usr/bin/env bash
# fanout test vs GNU parallel and xargs -P on the same test commands, in one run.
#   bash bench/test/run.sh      (needs: apt-get install parallel clang zlib1g-dev)
# 1) 60 tests 'sleep D', D from 0.1 to 2.0 s, sum 36.1 s, at -j 8, fanout with durations known.
# 2) Overhead: 1,000 'true' tests at -j 8, tests per second.
set -euo pipefail
cd "$(dirname "$0")/../.."
J=${J:-8}
source bench/lib.sh
require parallel parallel
publish_fanout
publish_fanout_jit

# 60 durations in 0.1..2.0 s summing to 36.1 s, shuffled so input order is not longest-first.
python3 - "$work/sleeps.txt" <<'PY'
import random, sys
random.seed(7)
d = [round(0.1 + 1.9 * i / 59, 1) for i in range(60)]          # sum 63.0: scale towards 36.1
d = [max(0.1, min(2.0, round(x * 36.1 / 63.0, 1))) for x in d]
d[-1] = 2.0
diff = round(36.1 - sum(d), 1)
i = 0
while abs(diff) >= 0.05:
    step = 0.1 if diff > 0 else -0.1
    if 0.1 <= round(d[i] + step, 1) <= 2.0 and i != len(d) - 1:
        d[i] = round(d[i] + step, 1); diff = round(diff - step, 1)
    i = (i + 1) % len(d)
random.shuffle(d)
open(sys.argv[1], "w").write("".join(f"sleep {x}\n" for x in d))
print(f"{len(d)} tests, sum {sum(d):.1f} s, longest {max(d):.1f} s", file=sys.stderr)
PY
ideal=$(awk '{ s += $2; if ($2 > m) m = $2 } END { printf "%.3f", (s / '"$J"' > m ? s / '"$J"' : m) }' "$work/sleeps.txt")

cd "$work"
fanout test sleeps.txt -j "$J" -q > /dev/null                       # records durations
read -r fanout_s fanout_mb < <(measure "$work/bin/fanout" test sleeps.txt -j "$J" -q --stats stats.json)
# The run alone, from --stats: without the process start.
fanout_run=$(python3 -c "import json; print('%.3f' % (json.load(open('stats.json'))['wall_ms'] / 1000))")
read -r jit_s jit_mb < <(measure dotnet "$work/jit/fanout.dll" test sleeps.txt -j "$J" -q)
t0=$(now); parallel -j "$J" < sleeps.txt; t1=$(now); parallel_s=$(elapsed "$t0" "$t1")
t0=$(now); tr '\n' '\0' < sleeps.txt | xargs -0 -P "$J" -I{} sh -c {}; t1=$(now); xargs_s=$(elapsed "$t0" "$t1")

printf '\nideal max(sum/%s, longest) = %s s\n' "$J" "$ideal"
printf '%-44s %9s %9s %9s\n' "tool (60 sleeps, -j $J)" "wall (s)" "x ideal" "max RSS"
row() { printf '%-44s %9s %9s %9s\n' "$1" "$2" "$(awk -v a="$2" -v b="$ideal" 'BEGIN { printf "%.3f", a / b }')" "$3"; }
row "fanout test (native; durations known)" "$fanout_s" "${fanout_mb} MB"
row "fanout test (native), the run only" "$fanout_run" "-"
row "fanout test (JIT, ReadyToRun)" "$jit_s" "${jit_mb} MB"
row "parallel -j $J" "$parallel_s" "-"
row "xargs -P $J" "$xargs_s" "-"

for _ in $(seq 1 1000); do echo true; done > trues.txt
rm -rf .fanout
t0=$(now); fanout test trues.txt -j "$J" -q > /dev/null; t1=$(now); f=$(elapsed "$t0" "$t1")
rm -rf .fanout
t0=$(now); fanout_jit test trues.txt -j "$J" -q > /dev/null; t1=$(now); fj=$(elapsed "$t0" "$t1")
t0=$(now); parallel -j "$J" < trues.txt; t1=$(now); p=$(elapsed "$t0" "$t1")
t0=$(now); tr '\n' '\0' < trues.txt | xargs -0 -P "$J" -I{} sh -c {}; t1=$(now); x=$(elapsed "$t0" "$t1")
printf '\n%-44s %9s %9s\n' "1,000 'true' tests, -j $J" "wall (s)" "tests/s"
for pair in "fanout test (native):$f" "fanout test (JIT):$fj" "parallel -j $J:$p" "xargs -P $J:$x"; do
  printf '%-44s %9s %9.0f\n' "${pair%%:*}" "${pair##*:}" "$(awk -v t="${pair##*:}" 'BEGIN { print 1000 / t }')"
done
