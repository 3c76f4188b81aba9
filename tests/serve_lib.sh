# serve_lib.sh — starting `backprop serve` for a test: on a free loopback port (--port 0, the URL
# read from its first line), stopped by the test's EXIT trap. Source after cli_lib.sh; needs BP.
start_server() {
  "$BP" serve --port 0 "$@" >"$tmp/serve.out" 2>"$tmp/serve.err" &
  server_pid=$!
  trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 100); do
    URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$tmp/serve.out" 2>/dev/null | head -1)
    [[ -n "$URL" ]] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: the server did not print its URL"; cat "$tmp/serve.out" "$tmp/serve.err"
  exit 1
}

# http METHOD PATH [BODY-FILE]: sets $status and writes the body to $tmp/body.
http() {
  local args=(-s -o "$tmp/body" -w '%{http_code}' -X "$1" --max-time 20)
  [[ -n "${3:-}" ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
  status=$(curl "${args[@]}" "${URL%/}$2")
}

# expect_http STATUS PATTERN METHOD PATH [BODY-FILE]: the answer has STATUS and contains PATTERN.
expect_http() {
  local want="$1" pattern="$2"
  shift 2
  http "$@"
  if [[ "$status" != "$want" ]] || ! grep -qF -- "$pattern" "$tmp/body"; then
    echo "FAIL: $* -> HTTP $status (expected $want), looking for '$pattern' in:"
    head -c 400 "$tmp/body"; echo
    fails=$((fails + 1))
  else
    pass=$((pass + 1))
  fi
}

# stop_server: SIGTERM; the server must stop cleanly with exit status 0 (under the sanitizers, a
# leak or an error report at exit makes it non-zero and is shown).
stop_server() {
  kill -TERM "$server_pid" 2>/dev/null
  local rc=0
  wait "$server_pid" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: the server stopped with exit status $rc on SIGTERM:"
    tail -40 "$tmp/serve.err"
    fails=$((fails + 1))
  else
    pass=$((pass + 1))
  fi
}
