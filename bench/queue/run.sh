#!/usr/bin/env bash
# The shared queue (issue 17): its overhead against a run from a file, and how it scales over worker processes.
#   bash bench/queue/run.sh     (needs: apt-get install postgresql clang zlib1g-dev; run as root or the postgres user)
# 1) 20,000 requests to a 0 ms endpoint: from a file vs through the queue, one process, -j 20
# 2) 3,000 requests to a 50 ms endpoint: one worker process vs three, each -j 20
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-20000}
M=${M:-3000}
source bench/lib.sh
chmod 755 "$work"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() { [ -d "$work/pg" ] && as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop > /dev/null 2>&1 || true; }
on_exit stop_pg

publish_fanout
start_demo_server
mkdir -p "$work/pg" && chmod 777 "$work/pg"
port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
(cd /tmp && as_pg "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-sync > /dev/null)
(cd /tmp && as_pg "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start > /dev/null)
db="postgres://postgres@127.0.0.1:$port/postgres"

for i in $(seq 1 "$N"); do echo "$base/delay/0?i=$i"; done > "$work/fast.txt"
for i in $(seq 1 "$M"); do echo "$base/delay/50?i=$i"; done > "$work/slow.txt"

t0=$(now); fanout http "$work/fast.txt" -j 20 -q -o /dev/null; t1=$(now); file_s=$(elapsed "$t0" "$t1")
fanout queue push "$db" fast "$work/fast.txt" 2> /dev/null
t0=$(now); fanout http --queue "$db#fast" -j 20 -q -o /dev/null; t1=$(now); queue_s=$(elapsed "$t0" "$t1")
done_count=$(fanout queue results "$db" fast | wc -l)
echo "$N requests, 0 ms, -j 20 (2 cores shared with the server and PostgreSQL)"
printf '  from a file      %8.3f s\n  through the queue %7.3f s (%s results)  = %.2fx the file run\n' "$file_s" "$queue_s" "$done_count" "$(awk -v a="$queue_s" -v b="$file_s" 'BEGIN { print a / b }')"

fanout queue push "$db" one "$work/slow.txt" 2> /dev/null
t0=$(now); fanout http --queue "$db#one" -j 20 -q -o /dev/null; t1=$(now); one_s=$(elapsed "$t0" "$t1")
fanout queue push "$db" three "$work/slow.txt" 2> /dev/null
t0=$(now)
pids=()
for w in 1 2 3; do "$work/bin/fanout" http --queue "$db#three" -j 20 -q -o /dev/null & pids+=($!); done
wait "${pids[@]}"   # not a bare wait: the demo server runs in the background too
t1=$(now); three_s=$(elapsed "$t0" "$t1")
echo "$M requests, 50 ms each"
printf '  1 worker x -j 20  %7.3f s\n  3 workers x -j 20 %7.3f s  = %.2fx the throughput\n' "$one_s" "$three_s" "$(awk -v a="$one_s" -v b="$three_s" 'BEGIN { print a / b }')"
