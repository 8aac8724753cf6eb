#!/usr/bin/env bash
# fanout download vs aria2c -i vs Python Queue + threads + urllib, same server, same files, one run.
#   bash bench/download/run.sh      (needs: apt-get install aria2 clang zlib1g-dev)
# Then the peak memory of fanout downloading one 2 GiB file.
set -euo pipefail
cd "$(dirname "$0")/../.."
FILES=${FILES:-110}
SIZE=${SIZE:-1048576}
DELAY_MS=${DELAY_MS:-50}
J=${J:-8}
BIG=${BIG:-2147483648}
source bench/lib.sh
require aria2c aria2

publish_fanout
publish_fanout_jit
start_demo_server

for i in $(seq 1 "$FILES"); do echo "$base/bytes/$SIZE?delay=$DELAY_MS&i=$i file$i.bin"; done > "$work/list.txt"
awk '{ print $1; print "  out=" $2 }' "$work/list.txt" > "$work/aria2.txt"
echo "$FILES files x $SIZE bytes, each response after $DELAY_MS ms, concurrency $J; 2 cores shared with the server"

fanout download "$work/list.txt" --dir "$work/warm" -j "$J" -q > /dev/null   # warm the server
rm -rf "$work/warm"

read -r fanout_s fanout_mb < <(measure "$work/bin/fanout" download "$work/list.txt" --dir "$work/fanout" -j "$J" --per-host "$J" -q --stats "$work/stats.json")
read -r jit_s jit_mb < <(measure dotnet "$work/jit/fanout.dll" download "$work/list.txt" --dir "$work/jit" -j "$J" --per-host "$J" -q)
fanout_run=$(python3 -c "import json; print('%.3f' % (json.load(open('$work/stats.json'))['wall_ms'] / 1000))")
mkdir -p "$work/aria2"
t0=$(now); aria2c -q -i "$work/aria2.txt" -d "$work/aria2" -j "$J" -x 1 -s 1 --allow-overwrite=true --auto-file-renaming=false; t1=$(now)
aria2_s=$(elapsed "$t0" "$t1")
mkdir -p "$work/python"
read -r python_s python_failed < <(python3 bench/download/queue_threads_urllib.py "$work/list.txt" "$work/python" "$J")

for d in fanout jit aria2 python; do
  n=$(find "$work/$d" -type f -size "${SIZE}c" | wc -l)
  [ "$n" -eq "$FILES" ] || { echo "$d wrote $n complete files of $FILES" >&2; exit 1; }
done

printf '\n%-40s %9s %12s %9s\n' "tool" "wall (s)" "vs aria2c" "max RSS"
row() { printf '%-40s %9s %11sx %9s\n' "$1" "$2" "$(awk -v a="$2" -v b="$aria2_s" 'BEGIN { printf "%.2f", a / b }')" "${3:--}"; }
row "fanout download -j $J (native)" "$fanout_s" "${fanout_mb} MB"
row "fanout download -j $J (native, run only)" "$fanout_run"
row "fanout download -j $J (JIT)" "$jit_s" "${jit_mb} MB"
row "aria2c -j $J -i" "$aria2_s"
row "python Queue + $J threads + urllib" "$python_s"

echo
echo "one file of $BIG bytes:"
/usr/bin/time -f "%M %e" -o "$work/time.txt" "$work/bin/fanout" download --dir "$work/big" -q <<< "$base/bytes/$BIG big.bin" > /dev/null
read -r rss_kb wall < "$work/time.txt"
size=$(stat -c %s "$work/big/big.bin")
printf 'fanout download: %s bytes in %s s, peak memory (max RSS) %.1f MB\n' "$size" "$wall" "$(awk -v k="$rss_kb" 'BEGIN { print k / 1024 }')"
