# cli_lib.sh — what the command-line tests share: a scratch directory, counters, and the
# `expect` and `check` assertions. Source it after setting BP.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0

# expect STATUS PATTERN -- COMMAND...: the command exits with STATUS and its output (stdout and
# stderr) contains PATTERN (a fixed string).
expect() {
  local status="$1" pattern="$2"
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $status ]] || [[ "$out" != *"$pattern"* ]]; then
    echo "FAIL: $* -> exit $rc (expected $status), looking for '$pattern' in:"
    echo "$out" | head -20
    fails=$((fails + 1))
  else
    pass=$((pass + 1))
  fi
}

# check DESCRIPTION -- COMMAND...: the command (a test) succeeds.
check() {
  local what="$1"
  shift 2
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $what"; fails=$((fails + 1)); fi
}

# same_model A B WHAT: two model files equal but for the timing.
same_model() {
  if diff <(grep -v seconds "$1") <(grep -v seconds "$2") > /dev/null; then pass=$((pass + 1))
  else echo "FAIL: $3: $1 and $2 differ"; fails=$((fails + 1)); fi
}

# finish NAME: the summary line, and the exit status of the script.
finish() {
  echo "$1: $pass passed, $fails failed"
  [[ $fails -eq 0 ]]
}
