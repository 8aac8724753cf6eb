#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what the tests need, builds, tests, and
# ends with one line "N passed, N failed" (totals of the whole suite). Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

# The PostgreSQL tests start their own throwaway server from the Debian package's binaries.
if ! ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing PostgreSQL (Debian package postgresql) for the tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
  else
    echo "PostgreSQL is not installed and this is not root: run 'sudo apt-get install postgresql' first" >&2
  fi
fi

# The report tests render the HTML in a real browser, headless.
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium (Debian package) for the report tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null
  else
    echo "chromium is not installed and this is not root: run 'sudo apt-get install chromium' first" >&2
  fi
fi

# Tools the tests compare fanout with or read results through (command:Debian package).
missing=()
for pair in sqlite3:sqlite3 b3sum:b3sum rg:ripgrep zstd:zstd git:git; do
  command -v "${pair%%:*}" > /dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing ${missing[*]} (Debian packages) for the tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
  else
    echo "missing ${missing[*]} and this is not root: run 'sudo apt-get install ${missing[*]}' first" >&2
  fi
fi

log=$(mktemp -t fanout-test.XXXXXX)
native=$(mktemp -d -t fanout-native.XXXXXX)
trap 'rm -rf "$log" "$native"' EXIT

# The CLI tests run the program users run: the native one, built once here (install.sh installs clang and
# zlib1g-dev when missing and root). Without that toolchain it installs the framework-dependent build and says so.
chmod 755 "$native"
build_failed=0
if bash scripts/install.sh "$native" 2>&1 | sed 's/^/install: /'; then
  export FANOUT_BIN="$native/bin/fanout"
  echo "the CLI tests run $FANOUT_BIN"
else
  # Counted as a failure below; the tests still run, against the JIT build, so the rest is known too.
  echo "install: building the program failed; the CLI tests run the JIT build" >&2
  build_failed=1
fi

# Every test talks only to loopback, in temp dirs; nothing here needs the network beyond package restore.
dotnet test Fanout.slnx \
  --configuration Release \
  --blame-hang-timeout 5m \
  --logger "console;verbosity=normal" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-assembly summaries ("Failed!  - Failed: 1, Passed: 111, ...").
sum() { grep -Eo "$1: +[0-9]+" "$log" | awk '{ total += $2 } END { print total + 0 }'; }
passed=$(sum Passed)
failed=$(( $(sum Failed) + build_failed ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the test host failed before any test could report: count it as a failure.
  failed=1
fi
if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
  echo "no tests ran"
  failed=1
fi

echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
