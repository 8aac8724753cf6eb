#!/usr/bin/env bash
# Makes docs/report.png, the README's picture of a report: `fanout demo` writes its -j auto run's report, headless
# chromium draws it. Run it after changing the report (needs chromium; the native build as install.sh makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
dotnet run --project src/Fanout.Cli -c Release -- demo --report "$work/report.html" > /dev/null
chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars --user-data-dir="$work/profile" \
  --window-size=1280,1150 --screenshot="$work/report.png" "file://$work/report.html" 2> /dev/null
mv "$work/report.png" docs/report.png
echo "docs/report.png"
