#!/usr/bin/env bash
# serve_browser_test.sh — the playground in headless chromium (tests/browser/playground.mjs, with
# playwright-core from node_modules), against a server started here on a free loopback port.
# SHOTS=DIR also writes the README's screenshots there.
set -u
BP="$1"
here=$(cd "$(dirname "$0")" && pwd)
source "$here/cli_lib.sh"
source "$here/serve_lib.sh"
root=$(dirname "$here")
if [[ ! -d "$root/node_modules/playwright-core" ]] || [[ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]]; then
  echo "serve_browser: needs node_modules/playwright-core and chromium: run ./setup.sh"
  exit 1
fi
start_server
# node resolves playwright-core from the test's directory upwards: the repository's node_modules
timeout 170 node "$here/browser/playground.mjs" "$URL" "$BP" "$tmp" ${SHOTS:+"$SHOTS"} || fails=$((fails + 1))
stop_server
finish serve_browser_server
