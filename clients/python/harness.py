"""Tiny shared harness for the real-client scripts in this directory.

Each script drives one third-party Procore library against a live Trestle server and checks what the
library hands back against the demo data that `trestle up` wrote. Inputs (set by
scripts/real-clients.sh):

  TRESTLE_URL        base URL of the running server, e.g. http://127.0.0.1:41234
  TRESTLE_DEMO_JSON  path of the demo.json written by `trestle up --data-dir DIR`

Checks run in order; a failing check is reported and the next one still runs. The process exits 1
if any check failed, 0 otherwise.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from typing import Any, Callable

import requests

CHECK_TIMEOUT_SECONDS = int(os.environ.get("REAL_CLIENT_CHECK_TIMEOUT", "60"))


def load_demo() -> tuple[str, dict[str, Any]]:
    """Return (base_url, demo) from the environment; exits 2 when they are missing."""
    path = os.environ.get("TRESTLE_DEMO_JSON")
    if not path:
        sys.exit("TRESTLE_DEMO_JSON is not set (path of the demo.json written by `trestle up`)")
    with open(path, encoding="utf-8") as fh:
        demo = json.load(fh)
    url = (os.environ.get("TRESTLE_URL") or demo["base_url"]).rstrip("/")
    if not demo.get("companies"):
        sys.exit(f"{path}: no companies in demo data")
    return url, demo


def ids(items: Any) -> list[int]:
    """Sorted `id`s of a list of dicts or of objects with an `id` attribute."""
    assert isinstance(items, list), f"expected a JSON array, got {type(items).__name__}: {items!r}"
    out = []
    for item in items:
        value = item["id"] if isinstance(item, dict) else getattr(item, "id")
        out.append(int(value))
    return sorted(out)


def expect_equal(what: str, got: Any, want: Any) -> None:
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


# What `trestle up` seeds in every demo project (crates/trestle-core/src/samples.rs), by the
# field that names each record. The company's vendors are written once, with its first project.
SAMPLES: dict[str, tuple[str, set[str]]] = {
    "rfis": ("subject", {"Footing depth at grid C-4", "Panel schedule for level 2", "Embed plate finish"}),
    "submittals": ("title", {"Cast-in-place concrete mix design", "Panelboards"}),
    "punch_items": ("name", {"Touch up paint at door 104", "Missing cover plate in corridor"}),
    "direct_costs": ("invoice_number", {"INV-1042", "EXP-7"}),
    "vendors": ("name", {"Granite Concrete Co.", "Brightline Electric", "Summit Steel Erectors"}),
    "tasks": ("name", {"Pour level 2 slab", "Set steel at grid C"}),
    "timecard_entries": ("description", {"Formwork"}),
    "image_categories": ("name", {"Progress photos"}),
}


def field_of(item: Any, name: str) -> Any:
    """`name` of a dict or of a model object (pyprocore's pydantic models keep extra fields)."""
    if isinstance(item, dict):
        return item.get(name)
    value = getattr(item, name, None)
    if value is None and getattr(item, "model_extra", None):
        value = item.model_extra.get(name)
    return value


def expect_samples(what: str, kind: str, got: Any, raw: list[dict]) -> None:
    """`got` (from a library) holds exactly the records `raw` (plain requests) holds, and they are
    the demo's samples of `kind`."""
    expect_equal(f"{what}: ids (library vs plain requests)", ids(got), ids(raw))
    field, names = SAMPLES[kind]
    expect_equal(f"{what}: {field}s", sorted(str(field_of(i, field)) for i in got), sorted(names))


def expect_no_sample_in(what: str, text: Any) -> None:
    """No sample record's name shows in `text` (an error body)."""
    for field, names in SAMPLES.values():
        for name in names:
            assert name not in str(text), f"{what}: {name!r} ({field}) leaked in {text!r}"


class Raw:
    """Plain `requests` against the same server, as the DMSA app: the independent truth."""

    def __init__(self, url: str, demo: dict[str, Any]) -> None:
        self.url = url
        r = requests.post(
            f"{url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": demo["client_id"],
                "client_secret": demo["client_secret"],
            },
            timeout=30,
        )
        r.raise_for_status()
        self.token = r.json()["access_token"]

    def call(self, method: str, path: str, company: int, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Procore-Company-Id": str(company)}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, company: int, params: dict | None = None) -> Any:
        r = self.call("GET", path, company, params=params)
        if r.status_code != 200:
            raise AssertionError(f"plain GET {path} in company {company}: {r.status_code} {r.text[:300]}")
        return r.json()


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:  # noqa: ARG001
    raise _Timeout(f"check took longer than {CHECK_TIMEOUT_SECONDS}s")


class Runner:
    """Runs named checks, prints `ok`/`FAIL` per check and a final tally."""

    def __init__(self, client: str) -> None:
        self.client = client
        self.passed = 0
        self.failed: list[str] = []
        signal.signal(signal.SIGALRM, _on_alarm)

    def check(self, name: str, fn: Callable[[], Any]) -> Any:
        signal.alarm(CHECK_TIMEOUT_SECONDS)
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
            signal.alarm(0)
            self.failed.append(name)
            print(f"FAIL {self.client}: {name}: {type(exc).__name__}: {exc}", flush=True)
            detail = getattr(exc, "response_body", None)
            if detail is not None:
                print(f"     response body: {detail!r}", flush=True)
            traceback.print_exc(limit=3, file=sys.stdout)
            return None
        signal.alarm(0)
        self.passed += 1
        print(f"ok   {self.client}: {name}", flush=True)
        return result

    def finish(self) -> None:
        total = self.passed + len(self.failed)
        print(f"{self.client}: {self.passed}/{total} checks passed", flush=True)
        if self.failed:
            print(f"{self.client}: failed: {', '.join(self.failed)}", flush=True)
            sys.exit(1)
        sys.exit(0)
