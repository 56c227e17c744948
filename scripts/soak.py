#!/usr/bin/env python3
"""Soak driver for scripts/soak.sh: a fixed rate of token issuance, API calls, revocations,
authorization-code flows (sign-in, consent, code exchange, refresh) and web UI sign-ins
against a running `trestle up`; samples RSS, open files, p99 latency and table sizes every
interval and says at the end whether they stayed flat after the purge horizon.

Standard library only. Usage: soak.py DATA_DIR PID MINUTES HORIZON_SECS
"""
import base64
import hashlib
import html
import http.client
import json
import os
import re
import secrets
import sqlite3
import sys
import threading
import time
import urllib.parse

DATA, PID, MINUTES, HORIZON = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
SAMPLE = int(os.environ.get("SOAK_SAMPLE_SECS", "60"))
# Scenarios per second: client-credentials rounds, code flows, web UI sign-ins.
RATES = {"cc": 4.0, "code": 0.5, "ui": 0.25}
TABLES = ["web_sessions", "auth_codes", "revoked_tokens", "refresh_tokens", "grants", "audit_events"]
KEPT = {"audit_events"}  # the audit log is kept by design: it grows

demo = json.load(open(os.path.join(DATA, "demo.json")))
base = urllib.parse.urlsplit(demo["base_url"])
HOST, PORT = base.hostname, base.port
assert HOST in ("127.0.0.1", "localhost"), HOST
company = demo["companies"][0]
REDIRECT = demo["redirect_uris"][0]

lock = threading.Lock()
latencies, errors, counts = [], [], {"requests": 0}


class Client:
    """One keep-alive connection with a cookie jar; records every request's latency."""

    def __init__(self):
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, want=(200,)):
        h = {"Host": f"{HOST}:{PORT}"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        start = time.monotonic()
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body, headers=h)
                res = self.conn.getresponse()
                data = res.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
                if attempt:
                    raise
        took = time.monotonic() - start
        for v in res.headers.get_all("Set-Cookie") or []:
            k, rest = v.split("=", 1)
            self.cookies[k] = rest.split(";", 1)[0]
        with lock:
            latencies.append(took)
            counts["requests"] += 1
            if res.status not in want:
                errors.append(f"{method} {path.split('?')[0]} -> {res.status} {data[:120]!r}")
        return res, data


def field(page, name):
    m = re.search(rf'name="{name}" value="([^"]*)"', page.decode())
    if not m:
        raise RuntimeError(f"no {name} field")
    return html.unescape(m.group(1))


def basic():
    return "Basic " + base64.b64encode(f"{demo['client_id']}:{demo['client_secret']}".encode()).decode()


def cc_round(c):
    """Token issuance, two REST calls, a revocation."""
    _, body = c.request("POST", "/oauth/token", {"grant_type": "client_credentials"}, {"Authorization": basic()})
    token = json.loads(body)["access_token"]
    auth = {"Authorization": f"Bearer {token}", "Procore-Company-Id": str(company["id"])}
    c.request("GET", "/rest/v1.0/companies", headers=auth)
    c.request("GET", f"/rest/v1.0/projects?company_id={company['id']}&per_page=10", headers=auth)
    c.request("POST", "/oauth/revoke", {"token": token}, {"Authorization": basic()})


def code_flow(c):
    """Sign in and approve, exchange the code, call the API as the person, refresh, revoke."""
    c.cookies.clear()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    q = urllib.parse.urlencode({
        "response_type": "code", "client_id": demo["client_id"], "redirect_uri": REDIRECT,
        "state": "soak", "code_challenge": challenge, "code_challenge_method": "S256",
    })
    _, page = c.request("GET", f"/oauth/authorize?{q}")
    res, _ = c.request("POST", "/oauth/authorize/login", {
        "email": company["admin_email"], "password": demo["demo_password"],
        "csrf": field(page, "csrf"), "q": field(page, "q")}, want=(303,))
    _, page = c.request("GET", res.getheader("Location"))
    res, _ = c.request("POST", "/oauth/authorize/decision", {
        "decision": "approve", "csrf": field(page, "csrf"), "q": field(page, "q")}, want=(303,))
    to = urllib.parse.urlsplit(res.getheader("Location"))
    code = urllib.parse.parse_qs(to.query)["code"][0]
    _, body = c.request("POST", "/oauth/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "code_verifier": verifier}, {"Authorization": basic()})
    issued = json.loads(body)
    c.request("GET", f"/rest/v1.0/me?company_id={company['id']}",
              headers={"Authorization": f"Bearer {issued['access_token']}"})
    _, body = c.request("POST", "/oauth/token", {
        "grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}, {"Authorization": basic()})
    c.request("POST", "/oauth/revoke", {"token": json.loads(body)["access_token"]}, {"Authorization": basic()})


def ui_sign_in(c):
    """A web UI sign-in, then the developer's home page."""
    c.cookies.clear()
    _, page = c.request("GET", "/ui/login")
    c.request("POST", "/ui/login", {"csrf": field(page, "csrf"), "next": "/ui",
                                    "email": company["admin_email"], "password": demo["demo_password"]},
              want=(303,))
    c.request("GET", "/ui")


SCENARIOS = {"cc": cc_round, "code": code_flow, "ui": ui_sign_in}
stop_at = time.monotonic() + MINUTES * 60
done = threading.Event()


def driver(kind):
    """Starts scenarios of one kind at a fixed rate (late ones are not made up for)."""
    c, period, next_at = Client(), 1.0 / RATES[kind], time.monotonic()
    while not done.is_set():
        try:
            SCENARIOS[kind](c)
        except Exception as e:  # a broken scenario is an error, the soak goes on
            with lock:
                errors.append(f"{kind}: {type(e).__name__}: {e}")
        next_at = max(next_at + period, time.monotonic())
        done.wait(max(0.0, next_at - time.monotonic()))


def rss_kb():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def tables():
    db = sqlite3.connect(f"file:{os.path.join(DATA, 'trestle.db')}?mode=ro", uri=True, timeout=10)
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        db.close()


threads = [threading.Thread(target=driver, args=(k,), daemon=True) for k in RATES]
for t in threads:
    t.start()
start = time.monotonic()
samples = []
print(f"soak: {MINUTES:g} min against {demo['base_url']} (pid {PID}); purge horizon {HORIZON} s; "
      f"rates/s {RATES}; a sample every {SAMPLE} s", flush=True)
print(f"{'min':>5} {'rss_MB':>7} {'fds':>4} {'reqs':>6} {'p99_ms':>7} {'errs':>4}  "
      + " ".join(f"{t:>14}" for t in TABLES), flush=True)
while time.monotonic() < stop_at:
    time.sleep(max(0.0, min(SAMPLE, stop_at - time.monotonic())))
    with lock:
        lat, errs, n = sorted(latencies), list(errors), counts["requests"]
        latencies.clear(), errors.clear()
        counts["requests"] = 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
    s = {"t": time.monotonic() - start, "rss": rss_kb() / 1024, "fds": len(os.listdir(f"/proc/{PID}/fd")),
         "reqs": n, "p99": p99, "errs": len(errs), **tables()}
    samples.append(s)
    print(f"{s['t'] / 60:5.1f} {s['rss']:7.1f} {s['fds']:4d} {n:6d} {p99:7.1f} {len(errs):4d}  "
          + " ".join(f"{s[t]:14d}" for t in TABLES), flush=True)
    for e in errs[:3]:
        print(f"      error: {e}", flush=True)
done.set()

# Flat after the horizon: compare the first and the last sample taken a sample after it.
after = [s for s in samples if s["t"] >= HORIZON + SAMPLE]
print("---- verdict")
if len(after) < 2:
    print(f"too short: need two samples after the purge horizon ({HORIZON} s + {SAMPLE} s); NOT JUDGED")
    sys.exit(2)
first, last = after[0], after[-1]
checks = {
    "rss": last["rss"] <= first["rss"] * 1.10 + 4,
    "fds": last["fds"] <= first["fds"] + 5,
    "p99": last["p99"] <= max(first["p99"] * 2, first["p99"] + 20),
}
for t in TABLES:
    if t not in KEPT:
        top = max(s[t] for s in after[:2])
        checks[t] = max(s[t] for s in after) <= top * 1.25 + 20
for name, ok in checks.items():
    a, b = first.get(name), last.get(name)
    print(f"{name:>15}: {a:>10.1f} -> {b:>10.1f}  {'flat' if ok else 'GROWING'}")
for t in sorted(KEPT):
    print(f"{t:>15}: {first[t]:>10} -> {last[t]:>10}  (kept by design, not judged)")
total_errs = sum(s["errs"] for s in samples)
print(f"errors: {total_errs}; requests: {sum(s['reqs'] for s in samples)}")
ok = all(checks.values()) and total_errs == 0
print("FLAT after the purge horizon" if ok else "NOT FLAT (or errors)")
sys.exit(0 if ok else 1)
