#!/usr/bin/env bash
# Renders an HTML report with headless Chromium to a PNG and fails if the
# browser logged a console error or a failed load.
#
#   scripts/render-report.sh report.html [report.png] [width,height]
#
# Needs Debian's chromium (`apt-get install -y chromium`); exit code 3 if it
# is not installed, 1 if the page logged errors, 0 otherwise.
set -euo pipefail
html=${1:?usage: render-report.sh REPORT.html [OUT.png] [WIDTH,HEIGHT]}
png=${2:-${html%.html}.png}
size=${3:-1200,3000}
chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do
    [ -x "$c" ] && chromium=$c && break
  done
fi
if [ -z "$chromium" ]; then
  echo "render-report.sh: no chromium found (apt-get install -y chromium)" >&2
  exit 3
fi
url="file://$(realpath "$html")"
log=$(mktemp)
profile=$(mktemp -d)
trap 'rm -rf "$log" "$profile"' EXIT
# A profile of its own, so concurrent renders do not share a lock.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --no-first-run --disable-extensions \
  --enable-logging=stderr --v=0 \
  --window-size="$size" --screenshot="$png" "$url" >"$log" 2>&1 || {
  cat "$log" >&2
  echo "render-report.sh: chromium failed" >&2
  exit 1
}
if grep -E "Uncaught|ERROR:CONSOLE|CONSOLE\([0-9]+\)|Failed to load resource|net::ERR_" "$log" >&2; then
  echo "render-report.sh: the page logged errors (above)" >&2
  exit 1
fi
[ -s "$png" ] || { echo "render-report.sh: no screenshot written" >&2; exit 1; }
echo "$png"
