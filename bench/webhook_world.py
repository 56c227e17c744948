#!/usr/bin/env python3
"""The world of bench/run.sh's webhooks group, made through Trestle's management API.

Usage: webhook_world.py DEMO_JSON BASE_URL PROJECTS
Makes PROJECTS projects in the demo's first company and a DMSA app with the Webhooks tool and
RFIs (installed there, every new project permitted), and prints shell assignments: W_COMPANY,
W_PROJECTS (comma-separated ids) and W_TOKEN (the app's client_credentials access token).
"""

import json
import shlex
import sys
import urllib.parse
import urllib.request


def call(base, method, path, token=None, body=None, form=None):
    data, headers = None, {}
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(req, timeout=10) as res:
        return json.loads(res.read() or b"null")


def main() -> None:
    demo = json.load(open(sys.argv[1]))
    base, n = sys.argv[2], int(sys.argv[3])
    company = demo["companies"][0]["id"]
    admin, dev = demo["companies"][0]["admin_api_token"], demo["developer_api_token"]
    projects = [
        call(base, "POST", f"/api/v1/companies/{company}/projects", admin, {"name": f"Hooks {k}"})["id"]
        for k in range(n)
    ]
    app = call(base, "POST", "/api/v1/apps", dev, {"name": "Webhook bench"})["app"]["id"]
    manifest = {
        "schema_version": "4.1",
        "components": {"oauth": {"grant_type": "client_credentials"}},
        "permissions": {"company": {"webhooks": "standard"}, "project": {"webhooks": "standard", "rfis": "admin"}},
    }
    version = call(base, "POST", f"/api/v1/apps/{app}/versions", dev, {"version": "1.0.0", "manifest": manifest})
    promoted = call(base, "POST", f"/api/v1/apps/{app}/versions/{version['id']}/promote", dev, {})
    call(
        base,
        "POST",
        f"/api/v1/companies/{company}/installs",
        admin,
        {"app_version_id": promoted["version"]["app_version_id"], "permitted_project_ids": projects},
    )
    creds = promoted["credentials"]
    token = call(
        base,
        "POST",
        "/oauth/token",
        form={"grant_type": "client_credentials", "client_id": creds["client_id"], "client_secret": creds["client_secret"]},
    )["access_token"]
    print("W_COMPANY=" + shlex.quote(str(company)))
    print("W_PROJECTS=" + shlex.quote(",".join(str(p) for p in projects)))
    print("W_TOKEN=" + shlex.quote(token))


if __name__ == "__main__":
    main()
