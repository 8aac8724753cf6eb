#!/usr/bin/env bash
# insert --flatten (issue 20): 1,000,000 nested JSONL rows flattened into SQLite vs the same rows already flat.
#   bash bench/insert/flatten.sh     (needs: apt-get install clang zlib1g-dev)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-1000000}
RUNS=${RUNS:-3}
source bench/lib.sh
publish_fanout
python3 - "$N" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
with open(f"{work}/nested.jsonl", "w") as nested, open(f"{work}/flat.jsonl", "w") as flat:
    for i in range(n):
        nested.write(f'{{"id":{i},"user":{{"name":"user {i}","age":{20 + i % 60}}},"geo":{{"lat":{i % 90}.5,"lon":{i % 180}.25}},"ok":true}}\n')
        flat.write(f'{{"id":{i},"user_name":"user {i}","user_age":{20 + i % 60},"geo_lat":{i % 90}.5,"geo_lon":{i % 180}.25,"ok":true}}\n')
PY
best() {
  local best=
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$work/t.db"
    local t; t=$(measure "$@" | cut -d' ' -f1)
    best=$(awk -v t="$t" -v c="$best" 'BEGIN { if (c == "" || t < c) printf "%.3f", t; else printf "%s", c }')
  done
  echo "$best"
}
flat_s=$(best "$work/bin/fanout" insert "$work/flat.jsonl" --db "$work/t.db" --table t -q)
nested_s=$(best "$work/bin/fanout" insert "$work/nested.jsonl" --db "$work/t.db" --table t --flatten -q)
rm -f "$work/t.db"; "$work/bin/fanout" insert "$work/nested.jsonl" --db "$work/t.db" --table t --flatten -q > /dev/null
cols=$(sqlite3 "$work/t.db" "select group_concat(name, ',') from pragma_table_info('t')")
echo "$N rows into SQLite, best of $RUNS (columns: $cols)"
printf '  flat rows            %7.3f s\n  nested + --flatten   %7.3f s  = %.2fx the flat load (target <= 1.3x)\n' "$flat_s" "$nested_s" "$(awk -v a="$nested_s" -v b="$flat_s" 'BEGIN { print a / b }')"
