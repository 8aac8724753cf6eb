# Shared by bench/*/run.sh; source it from the repository root. It gives:
#   $work                   a temp directory, removed on exit
#   on_exit CMD             also run CMD on exit (before $work goes)
#   require PROGRAM PACKAGE exit 2 with the apt-get line when PROGRAM is missing
#   publish_fanout, fanout  build fanout as shipped (the native program) into $work/bin, then run it
#   publish_fanout_jit, fanout_jit   the JIT build (ReadyToRun) into $work/jit, for comparison rows
#   start_demo_server       `fanout demo --serve` in the background; sets $base (its URL)
#   now, elapsed A B        wall-clock seconds, and B - A to the millisecond
#   measure CMD...          run CMD (stdout discarded; any exit status); prints "WALL_S MAX_RSS_MB"
work=$(mktemp -d)
exit_commands=()
on_exit() { exit_commands+=("$1"); }
trap 'for c in "${exit_commands[@]}"; do eval "$c"; done; rm -rf "$work"' EXIT

require() { command -v "$1" >/dev/null || { echo "$1 is missing: apt-get install -y $2" >&2; exit 2; }; }

# As installed by scripts/install.sh: the native program for this processor (Native AOT; needs clang and zlib1g-dev).
publish_fanout() {
  require clang clang
  dotnet publish src/Fanout.Cli -c Release -r linux-x64 -p:IlcInstructionSet=native -o "$work/bin" -v quiet -nologo >/dev/null
}
fanout() { "$work/bin/fanout" "$@"; }

# The JIT build, precompiled with ReadyToRun as the framework-dependent install is.
publish_fanout_jit() {
  dotnet publish src/Fanout.Cli -c Release -r linux-x64 --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true -o "$work/jit" -v quiet -nologo >/dev/null
}
fanout_jit() { dotnet "$work/jit/fanout.dll" "$@"; }

start_demo_server() {
  # The program itself in the background, not the fanout function: $! would be a subshell whose kill leaves the server running.
  "$work/bin/fanout" demo --serve > "$work/url" 2>/dev/null &
  server_pid=$!
  on_exit 'kill $server_pid 2>/dev/null || true'
  for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
  base=$(head -1 "$work/url")
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
measure() {
  # A command that exits non-zero (a rerun whose rows are all rejected, say) is still measured: time's last line.
  /usr/bin/time -f "%e %M" -o "$work/measure.txt" "$@" > /dev/null || true
  awk 'END { printf "%.3f %.1f\n", $1, $2 / 1024 }' "$work/measure.txt"
}
