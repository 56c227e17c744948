#!/usr/bin/env python3
"""Instructions per request under valgrind's callgrind: a noise-free companion to bench/run.sh.

    bench/callgrind.py [N]        # N measured requests per scenario (default 2000)
    bench/callgrind.py --rfis [N] # the tool-record requests instead (default 20: they cost more)
    CALLGRIND_RFIS=1000 bench/callgrind.py --rfis   # seed 1,000 RFIs instead of 100,000 (quicker;
                                  # a cached page and a create cost the same at any size)
    CALLGRIND_ONLY=rfis_list,rfis_create bench/callgrind.py --rfis   # only these scenarios

Starts the release `trestle-bench-ceiling` and `trestle up` (fresh data dir, demo data) under
`valgrind --tool=callgrind`, each on a free 127.0.0.1 port; for every scenario sends 200 warm-up
requests on one keep-alive connection, zeroes the counters (callgrind_control -z), sends N
requests, dumps (callgrind_control -d) and prints the server's instructions per request (all
threads). Every measured response must be 200 (201 for a create). Dumps are left in
bench/results/callgrind/ for callgrind_annotate.

With --rfis: a data dir is made by a plain `trestle up`, its demo project grown to 100,000 RFIs by
bench/seed_records.py, then Trestle under callgrind answers bench/run.sh's `rfis_list` (the
filtered page of 100; from the page cache after the warm-up), `rfis_list_all` (no filter) and
`rfis_create` requests (5 warm-up each), then, restarted with `--page-cache-mb 0`,
`rfis_list_uncached` (the filtered page read and rendered on every request),
and the ceiling the same requests with the captured list and create answers (CEILING_RFIS_LIST,
CEILING_RFIS_CREATE).

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
RFIS = "--rfis" in sys.argv[1:]
ARGS = [a for a in sys.argv[1:] if a != "--rfis"]
N = int(ARGS[0]) if ARGS else (20 if RFIS else 2000)
WARM = 5 if RFIS else 200
SEED = int(os.environ.get("CALLGRIND_RFIS", "100000"))
ONLY = {s for s in os.environ.get("CALLGRIND_ONLY", "").replace(" ", ",").split(",") if s}


def wanted(name):
    return not ONLY or name in ONLY


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(name, argv, port, extra_env=None, valgrind=True):
    os.makedirs(OUT, exist_ok=True)
    out = os.path.join(OUT, f"{name}.%p.out")
    log = open(os.path.join(OUT, f"{name}.log"), "w")
    env = dict(os.environ, PORT=str(port), TRESTLE_LOG="warn", **(extra_env or {}))
    tool = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] if valgrind else []
    proc = subprocess.Popen(
        [*tool, *argv],
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


def send(port, method, path, headers, body, n, capture=None):
    """Sends the request n times; returns the last body. With `capture`, also writes the last
    answer's body there and its headers to `<capture>.headers` (as curl -D does)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for _ in range(n):
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
        data = r.read()
        if r.status not in (200, 201):
            sys.exit(f"{method} {path}: HTTP {r.status}: {data[:300]!r}")
    c.close()
    if capture:
        open(capture, "wb").write(data)
        with open(capture + ".headers", "w") as f:
            f.write(f"HTTP/1.1 {r.status} {r.reason}\r\n")
            for k, v in r.getheaders():
                f.write(f"{k}: {v}\r\n")
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


def rfis_main():
    trestle = os.path.join(TARGET, "release", "trestle")
    ceiling = os.path.join(TARGET, "release", "trestle-bench-ceiling")
    data = tempfile.mkdtemp(prefix="trestle-callgrind-rfis.")
    port = free_port()
    argv = [trestle, "up", "--port", str(port), "--data-dir", data, "--rate-limit-hourly", "0",
            "--rate-limit-spike", "0"]
    demo_path = os.path.join(data, "demo.json")
    results = {}
    try:
        proc = start("rfis_seed", argv, port, valgrind=False)
        try:
            wait_ready(proc, port, "/health/ready")
            for _ in range(600):
                if os.path.exists(demo_path) and os.path.getsize(demo_path) > 0:
                    break
                time.sleep(0.5)
        finally:
            stop(proc)
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "seed_records.py"),
                        os.path.join(data, "trestle.db"), demo_path, str(SEED)], check=True)
        demo = json.load(open(demo_path))
        project = demo["companies"][0]["permitted_project_ids"][0]
        import sqlite3
        row = sqlite3.connect(os.path.join(data, "trestle.db")).execute(
            "SELECT body FROM records WHERE project_id = ? AND resource = 'rfis' ORDER BY id LIMIT 1",
            (project,)).fetchone()
        manager = json.loads(row[0])["rfi_manager_id"]
        rfis = f"/rest/v1.0/projects/{project}/rfis"
        filtered = rfis + "?per_page=100&filters%5Bstatus%5D=open"
        unfiltered = rfis + "?per_page=100"
        create = json.dumps({"rfi": {
            "subject": "Bench RFI: anchor bolt embedment at grid B-2", "rfi_manager_id": manager,
            "question": {"body": "Detail 5/S-301 shows 12 in. embedment, the general notes say 9 in. Which governs?"},
            "due_date": "2030-01-15", "private": False, "draft": False}})
        list_body = os.path.join(OUT, "rfis_list.body")
        create_body = os.path.join(OUT, "rfis_create.body")

        proc = start("trestle_rfis", argv, port)
        try:
            wait_ready(proc, port, "/health/ready")
            form = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
            token_body = urllib.parse.urlencode({"grant_type": "client_credentials",
                                                 "client_id": demo["client_id"],
                                                 "client_secret": demo["client_secret"]})
            token = json.loads(send(port, "POST", "/oauth/token", form, token_body, 1))["access_token"]
            get = {"Authorization": "Bearer " + token, "Accept": "application/json"}
            post = dict(get, **{"Content-Type": "application/json"})
            send(port, "GET", filtered, get, None, 1, capture=list_body)
            send(port, "POST", rfis, post, create, 1, capture=create_body)
            for name, method, path, headers, body in [
                    ("rfis_list", "GET", filtered, get, None),
                    ("rfis_list_all", "GET", unfiltered, get, None),
                    ("rfis_create", "POST", rfis, post, create)]:
                if wanted(name):
                    results[name] = measure(proc, name, port, method, path, headers, body)
        finally:
            stop(proc)

        # the same filtered page with the page cache off: what reading and rendering it costs
        if wanted("rfis_list_uncached"):
            proc = start("trestle_rfis_uncached", argv + ["--page-cache-mb", "0"], port)
            try:
                wait_ready(proc, port, "/health/ready")
                token = json.loads(send(port, "POST", "/oauth/token", form, token_body, 1))["access_token"]
                get = {"Authorization": "Bearer " + token, "Accept": "application/json"}
                results["rfis_list_uncached"] = measure(proc, "rfis_list_uncached", port, "GET", filtered, get,
                                                        None)
            finally:
                stop(proc)

        port = free_port()
        proc = start("ceiling_rfis", [ceiling], port,
                     {"CEILING_RFIS_LIST": list_body, "CEILING_RFIS_CREATE": create_body})
        try:
            wait_ready(proc, port, "/rest/v1.0/projects")
            get = {"Authorization": "Bearer " + "t" * 78, "Accept": "application/json"}
            post = dict(get, **{"Content-Type": "application/json"})
            if wanted("ceiling_rfis_list"):
                results["ceiling_rfis_list"] = measure(proc, "ceiling_rfis_list", port, "GET", filtered, get,
                                                       None)
            if wanted("ceiling_rfis_create"):
                results["ceiling_rfis_create"] = measure(proc, "ceiling_rfis_create", port, "POST", rfis, post,
                                                         create)
        finally:
            stop(proc)
    finally:
        subprocess.run(["rm", "-rf", data])
    print()
    for name, ceil in [("rfis_list", "ceiling_rfis_list"), ("rfis_list_uncached", "ceiling_rfis_list"),
                       ("rfis_list_all", "ceiling_rfis_list"), ("rfis_create", "ceiling_rfis_create")]:
        if name not in results or ceil not in results:
            continue
        print(f"{name:24} {results[name] / results[ceil]:.2f}x the ceiling's instructions")


if __name__ == "__main__":
    rfis_main() if RFIS else main()
