#!/usr/bin/env bash
# fanout insert vs sqlite3 .import, sqlite-utils and psql \copy, on the same 1,000,000 rows, in one run.
#   bash bench/insert/run.sh     (needs: apt-get install sqlite3 sqlite-utils postgresql clang zlib1g-dev; run as root or the postgres user)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${ROWS:-1000000}
NAIVE=${NAIVE:-2000}
source bench/lib.sh
chmod 755 "$work"
on_exit stop_pg
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
stop_pg() { [ -d "$work/pg" ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop > /dev/null 2>&1 || true; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

publish_fanout
publish_fanout_jit
python3 - "$work" "$ROWS" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
with open(f"{work}/rows.jsonl", "w") as j, open(f"{work}/rows.csv", "w") as c:
    c.write("id,name,score,tag\n")
    for i in range(1, n + 1):
        j.write(f'{{"id":{i},"name":"name {i}","score":{i % 1000}.25,"tag":"t{i % 17}"}}\n')
        c.write(f"{i},name {i},{i % 1000}.25,t{i % 17}\n")
PY
echo "$ROWS rows {id,name,score,tag}; 2 cores"
count() { sqlite3 "$1" "SELECT count(*) FROM rows"; }

read -r fanout_s fanout_mb < <(measure "$work/bin/fanout" insert "$work/rows.jsonl" --db "$work/fanout.db" --table rows --pk id -q)
read -r jit_s jit_mb < <(measure dotnet "$work/jit/fanout.dll" insert "$work/rows.jsonl" --db "$work/jit.db" --table rows --pk id -q)
t0=$(now); sqlite3 "$work/import.db" "CREATE TABLE rows (id INTEGER PRIMARY KEY, name TEXT, score REAL, tag TEXT)" ".mode csv" ".import --skip 1 $work/rows.csv rows"; t1=$(now); import_s=$(elapsed "$t0" "$t1")
t0=$(now); sqlite-utils insert "$work/utils.db" rows "$work/rows.jsonl" --nl --pk id; t1=$(now); utils_s=$(elapsed "$t0" "$t1")
for db in fanout jit import utils; do [ "$(count "$work/$db.db")" = "$ROWS" ] || { echo "$db.db does not hold $ROWS rows" >&2; exit 1; }; done

printf '\n%-48s %9s %10s %9s\n' "SQLite" "wall (s)" "rows/s" "max RSS"
row() { printf '%-48s %9s %10.0f %9s\n' "$1" "$2" "$(awk -v t="$2" -v n="$ROWS" 'BEGIN { print n / t }')" "${3:--}"; }
row "fanout insert (JSONL, native)" "$fanout_s" "${fanout_mb} MB"
row "fanout insert (JSONL, JIT)" "$jit_s" "${jit_mb} MB"
row "sqlite3 .import (CSV)" "$import_s"
row "sqlite-utils insert --nl --pk id (JSONL)" "$utils_s"
printf '%-48s %9s\n' "fanout / sqlite3 .import time" "$(awk -v a="$fanout_s" -v b="$import_s" 'BEGIN { printf "%.2fx", a / b }')"
printf '%-48s %9s\n' "sqlite-utils / fanout time" "$(awk -v a="$utils_s" -v b="$fanout_s" 'BEGIN { printf "%.1fx", a / b }')"

# The same load again without --upsert: every key exists, every row is rejected (issue 14: it was 10x the load).
read -r rerun_s _ < <(measure "$work/bin/fanout" insert "$work/rows.jsonl" --db "$work/fanout.db" --table rows --pk id -q)
row "fanout insert again, every key exists (rejects)" "$rerun_s"
printf '%-48s %9s\n' "rerun / load time" "$(awk -v a="$rerun_s" -v b="$fanout_s" 'BEGIN { printf "%.2fx", a / b }')"

head -n "$NAIVE" "$work/rows.jsonl" > "$work/naive.jsonl"
read -r tried stored errs < <(python3 bench/insert/thread_per_row.py "$work/naive.db" "$work/naive.jsonl")
printf '\nthread per row, own connection and commit: %s rows tried, %s stored, %s lost (%s errors)\n' "$tried" "$stored" "$((tried - stored))" "$errs"

# PostgreSQL: a throwaway server on loopback.
mkdir -p "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$work/pg"
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
(cd /tmp && as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-sync > /dev/null)
(cd /tmp && as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1" start > /dev/null)
psql_() { psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 "$@"; }
psql_ -c "CREATE TABLE copied (id bigint PRIMARY KEY, name text, score double precision, tag text)"
# The first load into a fresh server is slower, whoever makes it (psql \copy: 1.42 s, then 1.34 and 1.31 s; it
# creates the WAL segments later loads recycle). One untimed load warms it; each timed run starts from a checkpoint.
psql_ -c "CREATE TABLE warmup (LIKE copied INCLUDING ALL)" -c "\\copy warmup FROM '$work/rows.csv' WITH (FORMAT csv, HEADER true)" -c "DROP TABLE warmup"
settle() { psql_ -c "CHECKPOINT"; }
# Fanout and psql in turn, PG_RUNS times, each from a checkpoint; the medians are compared (one run moves by 0.2 s here).
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
url="postgres://postgres@127.0.0.1:$port/postgres"
for i in $(seq 1 "${PG_RUNS:-3}"); do
  settle
  # The defaults: with the server on this machine, one writer per two cores (here 1), and one transaction (one COPY) per 1M rows.
  measure "$work/bin/fanout" insert "$work/rows.jsonl" --db "$url" --table rows$i --pk id -q >> "$work/pg-fanout.txt"
  settle
  psql_ -c "CREATE TABLE copied$i (LIKE copied INCLUDING ALL)"
  t0=$(now); psql_ -c "\\copy copied$i FROM '$work/rows.csv' WITH (FORMAT csv, HEADER true)"; t1=$(now); elapsed "$t0" "$t1" >> "$work/pg-copy.txt"; echo >> "$work/pg-copy.txt"
done
# -j 2 as well: with the server on the same two cores, two writers contend for the key index's right edge and for the cores.
settle
read -r pg_fanout2 _ < <(measure "$work/bin/fanout" insert "$work/rows.jsonl" --db "$url" --table rows_j2 --pk id -j 2 -q)
settle
read -r pg_jit pg_jit_mb < <(measure dotnet "$work/jit/fanout.dll" insert "$work/rows.jsonl" --db "$url" --table rows_jit --pk id -q)
settle
read -r pg_rerun _ < <(measure "$work/bin/fanout" insert "$work/rows.jsonl" --db "$url" --table rows1 --pk id -q)
pg_fanout=$(cut -d' ' -f1 "$work/pg-fanout.txt" | median)
pg_mb=$(cut -d' ' -f2 "$work/pg-fanout.txt" | sort -n | tail -1)
pg_copy=$(grep . "$work/pg-copy.txt" | median)
for t in rows1 rows_j2 rows_jit; do [ "$(psql_ -tAc "SELECT count(*) FROM $t")" = "$ROWS" ] || { echo "PostgreSQL table $t does not hold $ROWS rows" >&2; exit 1; }; done
printf '\n%-48s %9s %10s %9s\n' "PostgreSQL (median of ${PG_RUNS:-3} alternating runs)" "wall (s)" "rows/s" "max RSS"
row "fanout insert (JSONL, COPY; defaults: -j 1 here)" "$pg_fanout" "${pg_mb} MB"
row "fanout insert -j 2 (one run)" "$pg_fanout2"
row "fanout insert (JIT, one run)" "$pg_jit" "${pg_jit_mb} MB"
row "psql \\copy (CSV)" "$pg_copy"
row "fanout insert again, every key exists (rejects)" "$pg_rerun"
printf '%-48s %9s\n' "fanout speed / psql \\copy speed, defaults" "$(awk -v a="$pg_fanout" -v b="$pg_copy" 'BEGIN { printf "%.2fx", b / a }')"
printf '%-48s %9s\n' "fanout speed / psql \\copy speed, -j 2" "$(awk -v a="$pg_fanout2" -v b="$pg_copy" 'BEGIN { printf "%.2fx", b / a }')"
printf '%-48s %9s\n' "rerun / load time" "$(awk -v a="$pg_rerun" -v b="$pg_fanout" 'BEGIN { printf "%.2fx", a / b }')"
