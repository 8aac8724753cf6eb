#!/usr/bin/env bash
# insert's input shapes (issue 20): the same 1,000,000 rows as JSON lines, one JSON array, an array under a field
# (--records-at), gzip and zstd JSON lines, and CSV, into SQLite; sqlite-utils on the same JSON array as the peer.
#   bash bench/insert/formats.sh     (needs: apt-get install sqlite-utils zstd clang zlib1g-dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000000}
RUNS=${RUNS:-3}
source bench/lib.sh
require sqlite-utils sqlite-utils
require zstd zstd
publish_fanout
python3 - "$N" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
rows = [f'{{"id":{i},"name":"name {i}","score":{i % 1000}.25,"tag":"t{i % 17}"}}' for i in range(1, n + 1)]
open(f"{work}/rows.jsonl", "w").write("\n".join(rows) + "\n")
open(f"{work}/rows.json", "w").write("[" + ",\n".join(rows) + "]\n")
open(f"{work}/wrapped.json", "w").write('{"meta":{"count":' + str(n) + '},"data":{"items":[' + ",".join(rows) + ']}}\n')
with open(f"{work}/rows.csv", "w") as c:
    c.write("id,name,score,tag\n")
    for i in range(1, n + 1):
        c.write(f"{i},name {i},{i % 1000}.25,t{i % 17}\n")
PY
gzip -k -1 "$work/rows.jsonl"
zstd -q -k "$work/rows.jsonl"
best() {
  local best=
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$work/t.db"*
    local t; t=$(measure "$@" | cut -d' ' -f1)
    [ "$(sqlite3 "$work/t.db" "select count(*) from t")" = "$N" ] || { echo "a load did not store $N rows: $*" >&2; exit 1; }
    best=$(awk -v t="$t" -v c="$best" 'BEGIN { if (c == "" || t < c) printf "%.3f", t; else printf "%s", c }')
  done
  echo "$best"
}
f="$work/bin/fanout"
jsonl=$(best "$f" insert "$work/rows.jsonl" --db "$work/t.db" --table t -q)
array=$(best "$f" insert "$work/rows.json" --db "$work/t.db" --table t -q)
wrapped=$(best "$f" insert "$work/wrapped.json" --records-at data.items --db "$work/t.db" --table t -q)
gz=$(best "$f" insert "$work/rows.jsonl.gz" --db "$work/t.db" --table t -q)
zst=$(best "$f" insert "$work/rows.jsonl.zst" --db "$work/t.db" --table t -q)
csv=$(best "$f" insert "$work/rows.csv" --db "$work/t.db" --table t -q)
rm -f "$work/u.db"
t0=$(now); sqlite-utils insert "$work/u.db" t "$work/rows.json"; t1=$(now); utils=$(elapsed "$t0" "$t1")
[ "$(sqlite3 "$work/u.db" "select count(*) from t")" = "$N" ] || { echo "sqlite-utils did not store $N rows" >&2; exit 1; }
echo "$N rows {id,name,score,tag} into SQLite, native fanout best of $RUNS, $(nproc) cores"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
printf '  %-34s %8s s\n' "JSON lines" "$jsonl"
printf '  %-34s %8s s  %s the JSON lines load\n' "one JSON array" "$array" "$(ratio "$array" "$jsonl")"
printf '  %-34s %8s s  %s\n' "--records-at data.items" "$wrapped" "$(ratio "$wrapped" "$jsonl")"
printf '  %-34s %8s s  %s\n' "JSON lines, gzip -1" "$gz" "$(ratio "$gz" "$jsonl")"
printf '  %-34s %8s s  %s\n' "JSON lines, zstd" "$zst" "$(ratio "$zst" "$jsonl")"
printf '  %-34s %8s s  %s\n' "CSV" "$csv" "$(ratio "$csv" "$jsonl")"
printf '  %-34s %8s s  fanout is %s faster on the same JSON array\n' "sqlite-utils insert (JSON array)" "$utils" "$(ratio "$utils" "$array")"
