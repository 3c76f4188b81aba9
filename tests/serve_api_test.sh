#!/usr/bin/env bash
# serve_api_test.sh — `backprop serve`'s JSON API against a server started here on a free
# loopback port: POST /api/trace answers byte for byte what `backprop trace --format json`
# prints, errors are 4xx with the library's message, unknown paths 404, the page and its assets
# are served, and a session trains, traces and exports a model the CLI reads back identically.
set -u
BP="$1"
here=$(dirname "$0")
source "$here/cli_lib.sh"
source "$here/serve_lib.sh"
start_server
py=/usr/bin/python3

# ---- the page and its assets
expect_http 200 "backprop playground" GET /
expect_http 200 "import uPlot" GET /app.js
expect_http 200 "uPlot" GET /uPlot.esm.js
expect_http 200 ".uplot" GET /uPlot.min.css
expect_http 404 '"error":"no such path: /nope"' GET /nope
expect_http 404 '"error"' GET /api/nope
echo '{}' >"$tmp/empty.json"
expect_http 404 'no session 0123abcd' POST /api/session/0123abcd/trace "$tmp/empty.json"

# ---- POST /api/trace == backprop trace --format json, for the lesson's examples
model() {  # model INPUTS "LAYER-JSON,..." -> a model file
  echo "{\"format\": \"backprop-model\", \"version\": 1, \"inputs\": $1, \"loss\": \"mse\", \"layers\": [$2]}"
}
sig() { echo "{\"activation\": \"sigmoid\", \"weights\": $1, \"bias\": $2}"; }
same_as_cli() {  # same_as_cli NAME REQUEST-FILE CLI-ARGS...
  local name="$1" req="$2"
  shift 2
  "$BP" trace "$@" --format json >"$tmp/cli.json" 2>/dev/null
  http POST /api/trace "$req"
  if [[ "$status" == 200 ]] && cmp -s "$tmp/cli.json" "$tmp/body"; then
    pass=$((pass + 1))
  else
    echo "FAIL: /api/trace for $name (HTTP $status) differs from backprop trace $*:"
    diff <(head -c 600 "$tmp/cli.json") <(head -c 600 "$tmp/body"); fails=$((fails + 1))
  fi
}
echo "{\"model\": $(model 2 "$(sig '[[0.5, 0.3], [-0.2, 0.8]]' '[0.1, -0.1]'), $(sig '[[0.6, -0.4]]' '[0.2]')"), \"x\": [[1], [0]], \"y\": [[1]], \"lr\": 1}" >"$tmp/r221.json"
same_as_cli network-2-2-1 "$tmp/r221.json" --example network-2-2-1
echo "{\"model\": $(model 1 "$(sig '[[0.5]]' '[-0.5]')"), \"x\": [[2]], \"y\": [[1]]}" >"$tmp/r1.json"
same_as_cli single-neuron "$tmp/r1.json" --example single-neuron
echo "{\"model\": $(model 1 "$(sig '[[0.5]]' '[0]'), $(sig '[[-1]]' '[0.5]')"), \"x\": [[1]], \"y\": [[0]], \"lr\": 1}" >"$tmp/r91.json"
same_as_cli exercise-9.1 "$tmp/r91.json" --example exercise-9.1
# a trained model with standardised inputs, two samples, and an lr
"$BP" train --dataset moons --hidden 5,3 --activation tanh --epochs 30 --standardize --quiet \
  --save "$tmp/moons.json" >/dev/null
echo "{\"model\": $(cat "$tmp/moons.json"), \"x\": [[0.5, 1.5], [-0.2, 0.25]], \"y\": [[1, 0]], \"lr\": 0.3}" >"$tmp/rm.json"
same_as_cli "a trained moons model" "$tmp/rm.json" --model "$tmp/moons.json" --x 0.5,-0.2 --x 1.5,0.25 --y 1 --y 0 --lr 0.3
# the model may also be given as the file's text
$py -c "import json,sys; r=json.load(open(sys.argv[1])); r['model']=json.dumps(r['model']); print(json.dumps(r))" "$tmp/r221.json" >"$tmp/r221s.json"
same_as_cli "network-2-2-1 (model as text)" "$tmp/r221s.json" --example network-2-2-1

# ---- malformed requests: 4xx with the library's message
bad() { printf '%s' "$3" >"$tmp/bad.json"; expect_http "$1" "$2" POST /api/trace "$tmp/bad.json"; }
bad 400 "invalid JSON: parse error at line 1, column 2" '{bad'
bad 400 "expected a JSON object, found array" '[1, 2]'
bad 400 "x: missing" '{"model": {}}'
bad 400 "model: expected a model file" '{"model": 3, "x": [[1]], "y": [[1]]}'
bad 400 "format" '{"model": {"version": 1}, "x": [[1]], "y": [[1]]}'
m221=$(model 2 "$(sig '[[0.5, 0.3], [-0.2, 0.8]]' '[0.1, -0.1]'), $(sig '[[0.6, -0.4]]' '[0.2]')")
bad 400 "the data has 3 input values per sample, the model expects 2" "{\"model\": $m221, \"x\": [[1], [0], [2]], \"y\": [[1]]}"
bad 400 "y: expected 1 row (one per output), found 2" "{\"model\": $m221, \"x\": [[1], [0]], \"y\": [[1], [0]]}"
bad 400 "y: expected 2 columns (one per sample of x), found 1" "{\"model\": $m221, \"x\": [[1, 2], [0, 1]], \"y\": [[1]]}"
bad 400 "x: expected every row to have 2 values" "{\"model\": $m221, \"x\": [[1, 2], [0]], \"y\": [[1, 0]]}"
bad 400 'x[1][0]: expected a finite number, found' "{\"model\": $m221, \"x\": [[1], [\"a\"]], \"y\": [[1]]}"
bad 400 "lr: expected a positive number, found -1" "{\"model\": $m221, \"x\": [[1], [0]], \"y\": [[1]], \"lr\": -1}"
bad 400 "model:1:12: not valid JSON" "{\"model\": \"{\\\"format\\\": \", \"x\": [[1], [0]], \"y\": [[1]]}"
head -c 3000000 /dev/zero | tr '\0' '1' >"$tmp/huge.json"
expect_http 413 '"error"' POST /api/trace "$tmp/huge.json"

# ---- a session: create, train, trace a sample, export, trace the export with the CLI
# wait_epoch ID N: the session's worker has run N epochs (bounded: 10 s); $tmp/body is its state
wait_epoch() {
  for _ in $(seq 100); do
    http GET "/api/session/$1/state"
    grep -q "\"epoch\":$2," "$tmp/body" && return
    sleep 0.1
  done
}
echo '{"dataset": "xor", "hidden": [4], "lr": 2}' >"$tmp/cfg.json"
expect_http 200 '"two_d":true' POST /api/session "$tmp/cfg.json"
id=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$tmp/body")
$py -c "import json,sys; u=json.load(open(sys.argv[1]))['update']; assert u['epoch']==0 and u['grid']['n']==100 and len(u['thumbs']['layers'])==2, u.keys()" "$tmp/body"
check "the initial state comes with the session (grid and thumbnails)" -- test $? -eq 0
echo '{"action": "step"}' >"$tmp/step.json"
for _ in 1 2 3; do expect_http 200 '"ok":true' POST "/api/session/$id/command" "$tmp/step.json"; done
# the steps run on the session's worker: wait for them (bounded: 10 s), then check the state
wait_epoch "$id" 3
expect_http 200 '"epoch":3' GET "/api/session/$id/state"
timeout 3 curl -sN "${URL}api/session/$id/events" >"$tmp/events.txt"
check "the event stream sends the state" -- grep -q '^data: {"epoch":3' "$tmp/events.txt"
echo '{"set": "train", "index": 2}' >"$tmp/tr.json"
expect_http 200 '"trace":{"loss"' POST "/api/session/$id/trace" "$tmp/tr.json"
$py - "$tmp/body" "$tmp" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
open(sys.argv[2] + "/session_model.json", "w").write(json.dumps(r["model"]))
open(sys.argv[2] + "/session_trace.json", "w").write(json.dumps(r["trace"], sort_keys=True) + "\n")
PY
"$BP" trace --model "$tmp/session_model.json" --x 1,0 --y 1 --lr 2 --format json |
  $py -c "import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))" >"$tmp/cli_trace.json"
check "the session's trace equals backprop trace on its exported model" -- cmp -s "$tmp/cli_trace.json" "$tmp/session_trace.json"
http GET "/api/session/$id/model"
check "the model download is a model file the CLI reads" -- "$BP" info --model "$tmp/body" >/dev/null
cp "$tmp/body" "$tmp/session_model_dl.json"
http GET "/api/session/$id/model.onnx"
cp "$tmp/body" "$tmp/session_model.onnx"
check "the ONNX download is an ONNX file the CLI reads" -- "$BP" info --model "$tmp/session_model.onnx"
"$BP" trace --model "$tmp/session_model_dl.json" --x 1,0 --y 1 --format json >"$tmp/t_json.json"
"$BP" trace --model "$tmp/session_model.onnx" --x 1,0 --y 1 --format json >"$tmp/t_onnx.json"
check "... whose output equals the JSON download's to float32's precision" -- $py -c "
import json, sys
a, b = (json.load(open(f))['layers'][-1]['a'][0][0] for f in sys.argv[1:])
assert abs(a - b) <= 1e-6 * max(1, abs(a)), (a, b)
" "$tmp/t_json.json" "$tmp/t_onnx.json"
echo '{}' >"$tmp/empty.json"
expect_http 200 '"passed":true' POST "/api/session/$id/gradcheck" "$tmp/empty.json"
echo '{"action": "fly"}' >"$tmp/fly.json"
expect_http 400 'expected play, pause, step or reset' POST "/api/session/$id/command" "$tmp/fly.json"
expect_http 400 'index: expected a sample from 0 to 3' POST "/api/session/$id/trace" <(echo '{"index": 9}')
printf '{"dataset": "csv", "csv_name": "bad.csv", "csv": "a,b,label\\n1,2,x\\n3,oops,y\\n"}' >"$tmp/badcsv.json"
expect_http 400 "bad.csv:3:2 (column 'b'): expected a finite number, found 'oops'" POST "/api/session/$id/config" "$tmp/badcsv.json"
printf '{"dataset": "csv", "csv_name": "ok.csv", "csv": "a,b,c,label\\n1,2,3,x\\n3,1,0,y\\n0,0,1,x\\n5,5,5,y\\n"}' >"$tmp/okcsv.json"
expect_http 200 '"two_d":false' POST "/api/session/$id/config" "$tmp/okcsv.json"
echo '{"hidden": [4, 99]}' >"$tmp/big.json"
expect_http 400 "config.hidden: expected layer sizes from 1 to 32, found 99" POST "/api/session/$id/config" "$tmp/big.json"
# dropout, clipping and class weights (issue 15's options): the model trains with them, keeps its
# dropout rate in the model file, and predicts with the full network
echo '{"dataset": "moons", "n": 60, "hidden": [6], "activations": ["tanh"], "optimizer": "adam", "lr": 0.05, "dropout": 0.3, "clip_norm": 1, "class_weight": "balanced"}' >"$tmp/reg.json"
expect_http 200 '"dropout":0.3' POST "/api/session/$id/config" "$tmp/reg.json"
for _ in 1 2; do expect_http 200 '"ok":true' POST "/api/session/$id/command" "$tmp/step.json"; done
wait_epoch "$id" 2
expect_http 200 '"epoch":2' GET "/api/session/$id/state"
http GET "/api/session/$id/model"
check "the model file keeps the hidden layer's dropout rate" -- $py -c "
import json, sys
m = json.load(open(sys.argv[1]))
assert m['layers'][0].get('dropout') == 0.3 and 'dropout' not in m['layers'][1], m['layers']
" "$tmp/body"
expect_http 400 "dropout" POST "/api/session/$id/config" <(echo '{"dropout": 0.95}')
# a learning-rate schedule (schedules.h): StepLR halving every epoch gives 1, 0.5, 0.25
echo '{"dataset": "xor", "hidden": [4], "lr": 1, "lr_schedule": "step", "lr_period": 1, "lr_gamma": 0.5, "epochs_per_update": 1}' >"$tmp/sched.json"
expect_http 200 '"lr_schedule":"step"' POST "/api/session/$id/config" "$tmp/sched.json"
for _ in 1 2 3; do expect_http 200 '"ok":true' POST "/api/session/$id/command" "$tmp/step.json"; done
wait_epoch "$id" 3
check "each epoch's learning rate follows the schedule" -- $py -c "
import json, sys
h = json.load(open(sys.argv[1]))['update']['history']
assert h['epoch'][-3:] == [0, 1, 2] and h['lr'][-3:] == [1, 0.5, 0.25], h
" "$tmp/body"
expect_http 400 "rprop adapts its own step sizes" POST "/api/session/$id/config" <(echo '{"optimizer": "rprop", "lr_schedule": "step"}')
expect_http 400 "class_weight" POST "/api/session/$id/config" <(echo '{"class_weight": "heavy"}')
expect_http 200 '"ok":true' DELETE "/api/session/$id"
expect_http 404 "no session" GET "/api/session/$id/state"

# ---- a new rate, speed or batch size keeps the network training: interrupted and resumed by the
# library's resume, the run ends bit-identical to an uninterrupted one
new_session() {  # new_session CONFIG-JSON: sets $sid
  echo "$1" >"$tmp/c.json"
  http POST /api/session "$tmp/c.json"
  sid=$($py -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$tmp/body")
}
steps() {  # steps N: N single epochs on $sid, then wait until they are done
  for _ in $(seq "$1"); do http POST "/api/session/$sid/command" "$tmp/step.json"; done
  for _ in $(seq 100); do
    http GET "/api/session/$sid/state"
    [[ $($py -c "import json,sys; print(json.load(open(sys.argv[1]))['update']['epoch'])" "$tmp/body") == "$2" ]] && return
    sleep 0.1
  done
}
cfg='{"dataset": "moons", "n": 60, "hidden": [5], "activations": ["tanh"], "optimizer": "adam", "lr": 0.05, "batch": 16, "epochs_per_update": 1}'
new_session "$cfg"
steps 6 6
http GET "/api/session/$sid/model"
cp "$tmp/body" "$tmp/straight.json"
new_session "$cfg"
steps 3 3
echo "${cfg/\"epochs_per_update\": 1/\"epochs_per_update\": 5}" >"$tmp/tune.json"
expect_http 200 '"tuned":true' POST "/api/session/$sid/config" "$tmp/tune.json"
expect_http 200 '"epoch":3' GET "/api/session/$sid/state"
steps 3 6
http GET "/api/session/$sid/model"
check "a run tuned half-way ends bit-identical to an uninterrupted one" -- cmp -s "$tmp/body" "$tmp/straight.json"
echo "${cfg/\"lr\": 0.05/\"lr\": 0.5}" >"$tmp/tune.json"
expect_http 200 '"tuned":true' POST "/api/session/$sid/config" "$tmp/tune.json"
steps 1 7
check "... and a new rate trains on from there" -- grep -q '"epoch":7' "$tmp/body"
echo "${cfg/tanh/relu}" >"$tmp/tune.json"
expect_http 200 '"tuned":false' POST "/api/session/$sid/config" "$tmp/tune.json"
expect_http 200 '"epoch":0' GET "/api/session/$sid/state"

port=${URL##*:}
expect 1 "cannot listen on 127.0.0.1:${port%/}" -- "$BP" serve --port "${port%/}"

kill -0 "$server_pid" 2>/dev/null
check "the server is still running" -- test $? -eq 0
stop_server

# ---- idle sessions are reclaimed (a server with a 1 s idle limit)
start_server --session-idle 1
new_session '{"dataset": "xor"}'
expect_http 200 '"epoch":0' GET "/api/session/$sid/state"
sleep 4
expect_http 404 "no session $sid (it was closed or reclaimed after being idle" GET "/api/session/$sid/state"
stop_server
finish serve_api
