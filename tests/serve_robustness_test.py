#!/usr/bin/python3
"""serve_robustness_test.py — `backprop serve` under load and abuse, on loopback only.

Starts the server on a free port, then at the same time:
  * 50 sessions train and stream their events (Server-Sent Events) to 50 concurrent readers;
  * 1,000 malformed or oversized requests arrive from 8 connections at a time: bad JSON, wrong
    shapes, unknown paths and sessions, bad configs and CSVs, bodies over the size limit, garbage
    request lines, and connections cut in the middle of a request or of a response.
Every answered request must be the right answer or a 4xx (never a 5xx), every stream must
deliver events, the session cap must answer 429, the server's memory (RSS) must stay bounded
(another 1,000 bad requests afterwards must not grow it by more than 64 MiB; under
AddressSanitizer, by more than its quarantine), and it must still
answer correctly at the end. Usage: serve_robustness_test.py BACKPROP-BINARY
"""
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time

BP = sys.argv[1]
failures = []


def fail(what):
    failures.append(what)
    print("FAIL:", what, flush=True)


server = subprocess.Popen([BP, "serve", "--port", "0", "--max-sessions", "55",
                           "--session-idle", "30"], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
line = server.stdout.readline()
m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
if not m:
    print("FAIL: no URL from the server:", line, server.stderr.read())
    sys.exit(1)
PORT = int(m.group(1))


def rss_mib():
    with open(f"/proc/{server.pid}/status") as f:
        for row in f:
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
    return 0.0


def request(method, path, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} if data is not None else {}
    c.request(method, path, body=data, headers=headers)
    r = c.getresponse()
    out = r.status, r.read()
    c.close()
    return out


# ---- 50 sessions, each training, each streamed
MODEL = {"format": "backprop-model", "version": 1, "inputs": 2, "loss": "mse", "layers": [
    {"activation": "sigmoid", "weights": [[0.5, 0.3], [-0.2, 0.8]], "bias": [0.1, -0.1]},
    {"activation": "sigmoid", "weights": [[0.6, -0.4]], "bias": [0.2]}]}
good_trace = subprocess.run([BP, "trace", "--example", "network-2-2-1", "--format", "json"],
                            capture_output=True, check=True).stdout
rss_start = rss_mib()
ids = []
for k in range(50):
    cfg = {"dataset": ["moons", "circle", "spirals", "blobs"][k % 4], "n": 300,
           "hidden": [8, 8], "activations": ["tanh", "relu"], "optimizer": "adam", "lr": 0.01,
           "test_fraction": 0.2, "epochs_per_update": 1}
    status, body = request("POST", "/api/session", cfg)
    if status != 200:
        fail(f"creating session {k}: HTTP {status} {body[:200]!r}")
        continue
    ids.append(json.loads(body)["id"])
for sid in ids:
    request("POST", f"/api/session/{sid}/command", {"action": "play"})

events = {}
stop_streams = threading.Event()


def stream(sid):
    count = 0
    try:
        s = socket.create_connection(("127.0.0.1", PORT), timeout=30)
        s.sendall(f"GET /api/session/{sid}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        buf = b""
        # Read until told to stop, but not before 2 events have come (on a loaded machine the
        # first ones can be slow); bounded by a deadline of 60 s.
        deadline = time.time() + 60
        while not (stop_streams.is_set() and count >= 2) and time.time() < deadline:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            count += buf.count(b"data: {")
            buf = buf[buf.rfind(b"\n"):] if b"\n" in buf else buf
            buf = buf[-16:]
        s.close()
    except OSError as e:
        fail(f"stream {sid}: {e}")
    events[sid] = count


readers = [threading.Thread(target=stream, args=(sid,)) for sid in ids]
for t in readers:
    t.start()

# ---- 1,000 bad requests, 8 at a time
m221 = json.dumps(MODEL)
BAD = [
    ("POST", "/api/trace", b"{bad", 400),
    ("POST", "/api/trace", b"[1,2,3]", 400),
    ("POST", "/api/trace", b'{"model": {}, "x": [[1]], "y": [[1]]}', 400),
    ("POST", "/api/trace", ('{"model": %s, "x": [[1],[0],[2]], "y": [[1]]}' % m221).encode(), 400),
    ("POST", "/api/trace", ('{"model": %s, "x": [[1,2],[0]], "y": [[1,0]]}' % m221).encode(), 400),
    ("POST", "/api/trace", ('{"model": %s, "x": [[1],[0]], "y": [[1]], "lr": "fast"}' % m221).encode(), 400),
    ("POST", "/api/trace", ('{"model": %s, "x": [[1],[0]], "y": [[1],[2]]}' % m221).encode(), 400),
    ("POST", "/api/trace", b'{"model": "{\\"format\\": 1", "x": [[1]], "y": [[1]]}', 400),
    ("POST", "/api/trace", b"\xff\xfe\x00garbage", 400),
    ("GET", "/api/nothing", None, 404),
    ("GET", "/../../etc/passwd", None, 404),
    ("POST", "/api/session/ffff/trace", b"{}", 404),
    ("GET", "/api/session/zzzz/state", None, 404),
    ("POST", "/api/session", b'{"hidden": [1000]}', 400),
    ("POST", "/api/session", b'{"dataset": "mnist"}', 400),
    ("POST", "/api/session", b'{"n": -5}', 400),
    ("POST", "/api/session", b'{"dataset": "csv", "csv": "a,b\\n1,\\"open"}', 400),
    ("POST", "/api/session", b'{"dataset": "csv", "csv": "a,b,c\\n1,2,x\\n1,2"}', 400),
    ("POST", "/api/session", json.dumps({"dataset": "csv", "csv": "a,b,label\n" + "1,2,x\n" * 200000}).encode(), 413),
    ("POST", "/api/trace", b"[" * 100000, 400),
    ("POST", "/api/trace", b"1" * 3000000, 413),
]


def bad_request(i, rng):
    kind = i % (len(BAD) + 3)
    try:
        if kind < len(BAD):
            method, path, body, want = BAD[kind]
            status, out = request(method, path, body)
            if status != want or b'"error"' not in out:
                fail(f"{method} {path} {body[:60] if body else ''!r}: HTTP {status} (expected {want}) {out[:120]!r}")
        elif kind == len(BAD):  # a request cut in the middle of its body
            s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
            s.sendall(b"POST /api/trace HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n{\"model\":")
            s.close()
        elif kind == len(BAD) + 1:  # garbage instead of HTTP
            s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
            s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) + b"\r\n\r\n")
            s.settimeout(10)
            answer = s.recv(100)
            s.close()
            if answer and not re.match(rb"HTTP/1\.1 4\d\d", answer):
                fail(f"garbage request answered {answer[:60]!r}")
        else:  # a response cut in the middle: ask for the big script, read a little, go away
            s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
            s.sendall(b"GET /uPlot.esm.js HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(100)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.close()
    except (OSError, http.client.HTTPException) as e:
        fail(f"bad request {i} (kind {kind}): {type(e).__name__}: {e}")


def hammer(first, count):
    rng = random.Random(first)
    lock = threading.Lock()
    todo = list(range(first, first + count))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            bad_request(i, rng)

    workers = [threading.Thread(target=worker) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


t0 = time.time()
hammer(0, 1000)
hammer_seconds = time.time() - t0
time.sleep(1)
rss_after_first = rss_mib()
stop_streams.set()
# the session cap: 50 live, at most 55
created = [request("POST", "/api/session", {"dataset": "xor"})[0] for _ in range(7)]
if created.count(200) != 5 or created.count(429) != 2:
    fail(f"session cap 55 with 50 live: 7 more gave {created} (expected 5 x 200, 2 x 429)")
for t in readers:
    t.join(timeout=65)
silent = [sid for sid in ids if events.get(sid, 0) < 2]
if len(ids) != 50 or silent:
    fail(f"{len(ids)} sessions streamed; {len(silent)} delivered fewer than 2 events")

# ---- memory stays bounded: another 1,000 bad requests must not grow it
hammer(1000, 1000)
time.sleep(1)
rss_end = rss_mib()
# Under AddressSanitizer (scripts/sanitize.sh sets ASAN_OPTIONS) freed memory waits in ASan's
# quarantine (256 MiB by default) before reuse, so the bound there is the quarantine's size.
growth_bound = 256 + 64 if "ASAN_OPTIONS" in os.environ else 64
if rss_end - rss_after_first > growth_bound:
    fail(f"RSS grew from {rss_after_first:.0f} to {rss_end:.0f} MiB over another 1,000 bad requests")

# ---- still answering, and correctly
status, body = request("POST", "/api/trace", {"model": MODEL, "x": [[1], [0]], "y": [[1]], "lr": 1})
if status != 200 or body != good_trace:
    fail(f"after the abuse, /api/trace answered HTTP {status} {body[:100]!r}")
status, body = request("GET", "/")
if status != 200 or b"backprop playground" not in body:
    fail(f"after the abuse, / answered HTTP {status}")
if server.poll() is not None:
    fail(f"the server exited with {server.returncode}")
server.terminate()
try:
    code = server.wait(timeout=10)
    if code != 0:
        fail(f"the server stopped with exit status {code} on SIGTERM")
except subprocess.TimeoutExpired:
    server.kill()
    fail("the server did not stop within 10 s of SIGTERM")
total_events = sum(events.values())
print(f"serve_robustness: 50 sessions streamed {total_events} events "
      f"(min {min(events.values()) if events else 0} per session); 2,000 bad requests "
      f"(first 1,000 in {hammer_seconds:.1f} s); RSS {rss_start:.0f} MiB at start, "
      f"{rss_after_first:.0f} MiB after 50 sessions + 1,000, {rss_end:.0f} MiB after 2,000; "
      f"{len(failures)} failures")
sys.exit(1 if failures else 0)
