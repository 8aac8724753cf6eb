#!/usr/bin/env bash
# Builds fanout as a native program (Native AOT) and installs it as PREFIX/bin/fanout.
#   bash scripts/install.sh [PREFIX]        (default ~/.local)
# Needs the .NET SDK; the native build also needs clang and zlib1g-dev (installed from Debian packages when
# missing and this is root). Without them, and not root, it installs the framework-dependent build instead,
# which needs the .NET runtime to run and starts slower, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-$HOME/.local}
prefix=$(mkdir -p "$prefix" && cd "$prefix" && pwd)
lib="$prefix/lib/fanout"
start=$(date +%s.%N)

rid=linux-$(uname -m | sed 's/x86_64/x64/; s/aarch64/arm64/')
native=yes
if ! command -v clang > /dev/null || ! dpkg -s zlib1g-dev > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "installing the native toolchain (Debian packages clang, zlib1g-dev)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang zlib1g-dev > /dev/null
  else
    echo "clang or zlib1g-dev is missing and this is not root: 'sudo apt-get install clang zlib1g-dev' builds the native" >&2
    echo "program; installing the framework-dependent build now (it needs the .NET runtime and starts in ~130 ms, not ~20 ms)" >&2
    native=no
  fi
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if [ "$native" = yes ]; then
  echo "building the native program for $rid (a minute or two)"
  # For this machine's processor (its vector instructions): the program is built where it runs.
  dotnet publish src/Fanout.Cli -c Release -r "$rid" -p:IlcInstructionSet=native -o "$out" -nologo -v quiet
else
  dotnet publish src/Fanout.Cli -c Release -r "$rid" --self-contained false -p:PublishAot=false -p:PublishReadyToRun=true -o "$out" -nologo -v quiet
fi

# The program and what it loads (SQLite) live together in PREFIX/lib/fanout; PREFIX/bin/fanout points there.
rm -rf "$lib.new"
mkdir -p "$lib.new" "$prefix/bin"
cp -R "$out"/. "$lib.new"/
find "$lib.new" \( -name '*.dbg' -o -name '*.pdb' -o -name '*.xml' \) -delete
rm -rf "$lib"
mv "$lib.new" "$lib"
ln -sfn "$lib/fanout" "$prefix/bin/fanout"

took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
echo "installed $([ "$native" = yes ] && echo "the native program" || echo "the framework-dependent build") as $prefix/bin/fanout ($("$prefix/bin/fanout" --version | cut -d+ -f1), in ${took} s)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "$prefix/bin is not on PATH: add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
