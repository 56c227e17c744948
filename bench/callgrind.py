#!/usr/bin/env python3
"""Instructions per request under valgrind's callgrind: a noise-free companion to bench/run.sh.

    bench/callgrind.py [N]        # N measured requests per scenario (default 2000)

Starts the release `trestle-bench-ceiling` and `trestle up` (fresh data dir, demo data) under
`valgrind --tool=callgrind`, each on a free 127.0.0.1 port; for every scenario sends 200 warm-up
requests on one keep-alive connection, zeroes the counters (callgrind_control -z), sends N
requests, dumps (callgrind_control -d) and prints the server's instructions per request (all
threads). Every measured response must be 200. Dumps are left in bench/results/callgrind/ for
callgrind_annotate.

Wall-clock figures do not come from this; under valgrind `sha2` takes its software path (valgrind
does not offer SHA-NI), so SHA-256 weighs more here than on a host that has it.
"""
import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
OUT = os.path.join(ROOT, "bench", "results", "callgrind")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
WARM = 200


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(name, argv, port):
    os.makedirs(OUT, exist_ok=True)
    out = os.path.join(OUT, f"{name}.%p.out")
    log = open(os.path.join(OUT, f"{name}.log"), "w")
    env = dict(os.environ, PORT=str(port), TRESTLE_LOG="warn")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    return proc


def wait_ready(proc, port, path, deadline=300):
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"server exited early (rc {proc.returncode})")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("server not ready")


def send(port, method, path, headers, body, n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(n):
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        if r.status != 200:
            sys.exit(f"{method} {path}: HTTP {r.status}: {data[:300]!r}")
    c.close()
    return data


def measure(proc, name, port, method, path, headers, body):
    send(port, method, path, headers, body, WARM)
    subprocess.run(["callgrind_control", "-z", str(proc.pid)], check=True, capture_output=True)
    send(port, method, path, headers, body, N)
    subprocess.run(["callgrind_control", "-d", name, str(proc.pid)], check=True, capture_output=True)
    # the newest dump of this process
    dumps = [f for f in os.listdir(OUT) if re.match(rf".*\.{proc.pid}\.out\.\d+$", f)]
    newest = max(dumps, key=lambda f: int(f.rsplit(".", 1)[1]))
    total = 0
    with open(os.path.join(OUT, newest)) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
                break
    os.rename(os.path.join(OUT, newest), os.path.join(OUT, f"{name}.out"))
    per = total / N
    print(f"{name:24} {per:10.0f} instr/request  ({total} over {N})", flush=True)
    return per


def stop(proc):
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    results = {}
    form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    # 1. the ceiling
    port = free_port()
    proc = start("ceiling", [os.path.join(TARGET, "release", "trestle-bench-ceiling")], port)
    try:
        wait_ready(proc, port, "/rest/v1.0/projects")
        body = "grant_type=client_credentials&client_id=ceiling-client&client_secret=" + "c" * 64
        results["ceiling_post"] = measure(proc, "ceiling_post", port, "POST", "/oauth/token", form, body)
        get = {"Authorization": "Bearer " + "t" * 78, "Accept": "application/json"}
        results["ceiling_get"] = measure(proc, "ceiling_get", port, "GET", "/rest/v1.0/projects?company_id=1", get, None)
    finally:
        stop(proc)
    # 2. Trestle
    port = free_port()
    data = tempfile.mkdtemp(prefix="trestle-callgrind.")
    argv = [os.path.join(TARGET, "release", "trestle"), "up", "--port", str(port), "--data-dir", data,
            "--rate-limit-hourly", "0", "--rate-limit-spike", "0"]
    proc = start("trestle", argv, port)
    try:
        wait_ready(proc, port, "/health/ready")
        demo_path = os.path.join(data, "demo.json")
        for _ in range(600):
            if os.path.exists(demo_path) and os.path.getsize(demo_path) > 0:
                break
            time.sleep(0.5)
        demo = json.load(open(demo_path))
        cid, secret = demo["client_id"], demo["client_secret"]
        company = demo["companies"][0]["id"]
        body = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret})
        results["token_post"] = measure(proc, "token_post", port, "POST", "/oauth/token", form, body)
        basic = dict(form, Authorization="Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode())
        results["token_basic"] = measure(proc, "token_basic", port, "POST", "/oauth/token", basic,
                                         "grant_type=client_credentials")
        token = json.loads(send(port, "POST", "/oauth/token", form, body, 1))["access_token"]
        bearer = {"Authorization": "Bearer " + token, "Accept": "application/json"}
        results["api_get"] = measure(proc, "api_get", port, "GET", f"/rest/v1.0/projects?company_id={company}",
                                     bearer, None)
        results["api_get_companies"] = measure(proc, "api_get_companies", port, "GET", "/rest/v1.0/companies",
                                               bearer, None)
    finally:
        stop(proc)
        subprocess.run(["rm", "-rf", data])
    print()
    for name, ceiling in [("token_post", "ceiling_post"), ("token_basic", "ceiling_post"),
                          ("api_get", "ceiling_get"), ("api_get_companies", "ceiling_get")]:
        print(f"{name:24} {results[name] / results[ceiling]:.2f}x the ceiling's instructions")


if __name__ == "__main__":
    main()
