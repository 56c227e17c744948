#!/usr/bin/env python3
"""propycore 0.8.0 (PyPI `propycore`, module `ProPyCore`) against a live Trestle server.

What this library puts on the wire:
  token     POST {base_url}/oauth/token, HTTP Basic client auth, form body
            grant_type=client_credentials&redirect_uri=   (empty redirect_uri; `oauth_url` is unused)
  companies GET /rest/v1.0/companies?page=1&per_page=10000&include_free_companies=True (Python casing)
  projects  GET /rest/v1.1/projects?company_id=X&page=N&per_page=300&filters[by_status]=All, N = 1, 2, ...
            until a page is `[]` (it ignores Total/Link, so a server that ignored `page` would loop)
  company projects  GET /rest/v1.0/companies/X/projects with Procore-Company-Id: X
No /me helper: the generic Base.get_request (which can add headers) is used for it.
"""

from __future__ import annotations

import sys

from ProPyCore.exceptions import ProcoreException
from ProPyCore.procore import Procore

from harness import Runner, expect_equal, ids, load_demo

url, demo = load_demo()
companies = demo["companies"]
run = Runner("propycore")
state: dict = {}

# Bound on the number of /rest/v1.1/projects pages one listing may ask for (the demo needs 2).
MAX_PROJECT_PAGES = 20


def connect() -> None:
    # The constructor fetches the token; it reads response.json()["access_token"] without checking
    # the status, so a refused token shows up as a KeyError.
    state["procore"] = Procore(
        client_id=demo["client_id"],
        client_secret=demo["client_secret"],
        redirect_uri="",
        base_url=url,
        oauth_url=url,
    )


def list_companies() -> None:
    got = state["procore"].companies.get()
    expect_equal("company ids", ids(got), sorted(c["id"] for c in companies))
    names = {c["id"]: c["name"] for c in got}
    for c in companies:
        expect_equal(f"name of company {c['id']}", names[c["id"]], c["name"])


def list_projects(company: dict) -> None:
    projects = state["procore"].projects
    pages = []
    original = projects.get_request

    def counting_get_request(*args, **kwargs):
        pages.append(kwargs.get("params", {}).get("page"))
        if len(pages) > MAX_PROJECT_PAGES:
            raise AssertionError(f"still paging after {MAX_PROJECT_PAGES} pages: `page` ignored?")
        return original(*args, **kwargs)

    projects.get_request = counting_get_request
    try:
        got = projects.get(company_id=company["id"])
    finally:
        del projects.get_request
    expect_equal(f"project ids of company {company['id']}", ids(got), sorted(company["permitted_project_ids"]))
    # full pages of 300, then the one empty page that stops propycore
    expect_equal("pages requested", pages, list(range(1, -(-len(got) // 300) + 2)))
    for p in got:
        assert p["company"]["id"] == company["id"], f"project {p['id']} company: {p['company']!r}"


def company_projects(company: dict) -> None:
    got = state["procore"].companies.get_projects(company_id=company["id"])
    expect_equal(f"project ids of company {company['id']}", ids(got), sorted(company["permitted_project_ids"]))


def me(company: dict) -> None:
    body = state["procore"].companies.get_request(
        api_url="/rest/v1.0/me", additional_headers={"Procore-Company-Id": str(company["id"])}
    )
    assert isinstance(body, dict), f"/me should be a JSON object, got {body!r}"
    assert isinstance(body.get("id"), int), f"/me id: {body!r}"
    assert isinstance(body.get("login"), str) and body["login"], f"/me login: {body!r}"


def me_without_company_header() -> None:
    try:
        body = state["procore"].companies.get_request(api_url="/rest/v1.0/me")
    except ProcoreException as exc:
        # propycore maps a 400 to its base exception: message "Error: 400", .response = body text
        expect_equal("error", exc.message, "Error: 400")
        assert "Procore-Company-Id" in str(exc.response), f"unclear 400 body: {exc.response!r}"
        return
    raise AssertionError(f"/me without a company was accepted: {body!r}")


run.check("token (HTTP Basic + empty redirect_uri)", connect)
if "procore" not in state:
    run.finish()  # nothing else can run without a token
run.check("companies", list_companies)
for company in companies:
    run.check(f"v1.1 projects of company {company['id']}, paged until []", lambda c=company: list_projects(c))
    run.check(f"v1.0 company projects of company {company['id']}", lambda c=company: company_projects(c))
    run.check(f"me in company {company['id']}", lambda c=company: me(c))
run.check("me without Procore-Company-Id is a clear 400", me_without_company_header)
run.finish()
sys.exit(0)
