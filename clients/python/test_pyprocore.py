#!/usr/bin/env python3
"""pyprocore 2.4.x (PyPI `pyprocore`) against a live Trestle server.

pyprocore is configured only through the environment (pyprocore.core.config.get_settings, cached on
first use), so everything is set before it is imported:
  PROCORE_LOGIN_URL  OAuth base: tokens come from {LOGIN_URL}/oauth/token (form body, secret in body)
  PROCORE_API_BASE   API root: paths are /rest/v1.0/...
  PROCORE_AUTH_MODE=client_credentials (the default is authorization_code + refresh_token)
With the in-memory token store every facade call builds a new client, so pyprocore asks for a new
token before every API call; that exercises /oauth/token as well.

pyprocore writes ./logs/ and reads ./.env relative to the working directory at import time, so this
script moves into a scratch directory first.

The library sends no Procore-Company-Id header on /companies or the project list; /me has no helper,
so it is called through pyprocore's generic HTTP client (ProcoreClient.get), which can add headers.

Tool helpers of the `Procore` facade (all read-only; lists follow `Link: rel="next"`):
  rfis.list/get            GET /rest/v1.1/projects/P/rfis[/{id}]     not in Procore's catalog: 404
  submittals.list/get      GET /rest/v1.1/projects/P/submittals[/{id}]    (no company header)
  punch_items.list/get     GET /rest/v1.0/punch_items[/{id}]?project_id=P
  vendors.list/get         GET /rest/v1.0/vendors[/{id}]?company_id=C
  direct_costs.list/get    GET /rest/v1.0/projects/P/direct_costs[/{id}]
  tasks.list               GET /rest/v1.0/projects/P/tasks           not in Procore's catalog: 404
  photos.list_albums/list  GET /rest/v1.0/image_categories, /rest/v1.0/images ?project_id=P
  documents.list_folders   GET /rest/v1.0/folders?project_id=P (the root's `folders`)
  budget.views             GET /rest/v1.0/projects/P/budget_views    not in Procore's catalog: 404
The catalog's paths for what 404s (/rest/v1.0/projects/P/rfis, /rest/v1.0/tasks?project_id=P,
/rest/v1.0/budget_views?project_id=P) are called through the generic client instead. No helper
for timecards or for writes. Errors: 403 → AuthorizationError (no status kept), 404 →
ResourceNotFoundError (status_code, response_body).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile

from harness import Raw, Runner, expect_equal, expect_no_sample_in, expect_samples, ids, load_demo

url, demo = load_demo()
companies = demo["companies"]

os.chdir(tempfile.mkdtemp(prefix="pyprocore-"))
os.environ.update(
    {
        "PROCORE_LOGIN_URL": url,
        "PROCORE_API_BASE": url,
        "PROCORE_CLIENT_ID": demo["client_id"],
        "PROCORE_CLIENT_SECRET": demo["client_secret"],
        "PROCORE_COMPANY_ID": str(companies[0]["id"]),
        "PROCORE_AUTH_MODE": "client_credentials",
        "PROCORE_TOKEN_STORE_BACKEND": "memory",
    }
)
os.environ.pop("PROCORE_REDIRECT_URI", None)

from pyprocore import Procore  # noqa: E402
from pyprocore.auth.oauth import OAuthClient  # noqa: E402
from pyprocore.core.client import ProcoreClient  # noqa: E402
from pyprocore.core.config import ProcoreSettings  # noqa: E402
from pyprocore.core.exceptions import (  # noqa: E402
    AuthenticationError,
    AuthorizationError,
    ProcoreAPIError,
    ResourceNotFoundError,
)

run = Runner("pyprocore")


def token() -> None:
    tok = OAuthClient().request_client_credentials_token()
    assert tok.access_token.get_secret_value(), "empty access_token"
    expect_equal("token_type", tok.token_type.lower(), "bearer")
    expect_equal("expires_in", tok.expires_in, 5400)
    assert isinstance(tok.created_at, int), f"created_at should be an integer, got {tok.created_at!r}"
    assert tok.refresh_token is None, "client_credentials must not return a refresh_token"


def token_wrong_secret() -> None:
    settings = ProcoreSettings(
        client_id=demo["client_id"],
        client_secret="not-the-secret",
        login_url=url,
        api_base=url,
        company_id=companies[0]["id"],
        auth_mode="client_credentials",
    )
    try:
        OAuthClient(settings=settings).request_client_credentials_token()
    except AuthenticationError as exc:
        assert "invalid_client" in str(exc), f"expected an invalid_client error, got: {exc}"
        return
    raise AssertionError("a wrong client_secret was accepted")


def list_companies() -> None:
    got = Procore().companies.list()  # GET /rest/v1.0/companies, no company header
    expect_equal("company ids", ids(got), sorted(c["id"] for c in companies))
    names = {c.id: c.name for c in got}
    for c in companies:
        expect_equal(f"name of company {c['id']}", names[c["id"]], c["name"])


def list_companies_paged() -> None:
    # per_page=1 forces one page per company; pyprocore follows the absolute Link rel="next".
    got = ProcoreClient().get_all("/rest/v1.0/companies", params={"per_page": 1})
    expect_equal("company ids over pages of 1", ids(got), sorted(c["id"] for c in companies))


def list_projects(company: dict) -> None:
    # GET /rest/v1.0/companies/{id}/projects, no company header
    got = Procore().projects.list(company_id=company["id"])
    expect_equal(f"project ids of company {company['id']}", ids(got), sorted(company["permitted_project_ids"]))
    for p in got:
        assert p.company is not None and p.company.id == company["id"], f"project {p.id} company: {p.company!r}"


def me(company: dict) -> None:
    body = ProcoreClient().get("/rest/v1.0/me", headers={"Procore-Company-Id": str(company["id"])})
    assert isinstance(body, dict), f"/me should be a JSON object, got {body!r}"
    assert isinstance(body.get("id"), int), f"/me id: {body!r}"
    assert isinstance(body.get("login"), str) and body["login"], f"/me login: {body!r}"


def me_without_company_header() -> None:
    # What pyprocore sends when the caller adds nothing: Procore requires the company for DMSA tokens.
    try:
        body = ProcoreClient().get("/rest/v1.0/me")
    except ProcoreAPIError as exc:
        expect_equal("status of /me without Procore-Company-Id", exc.status_code, 400)
        assert "Procore-Company-Id" in str(exc.response_body), f"unclear 400 body: {exc.response_body!r}"
        return
    raise AssertionError(f"/me without a company was accepted: {body!r}")


run.check("token (client_credentials, form body)", token)
run.check("token with a wrong secret is refused", token_wrong_secret)
run.check("companies", list_companies)
run.check("companies, paged through Link", list_companies_paged)
for company in companies:
    run.check(f"projects of company {company['id']}", lambda c=company: list_projects(c))
    run.check(f"me in company {company['id']}", lambda c=company: me(c))
run.check("me without Procore-Company-Id is a clear 400", me_without_company_header)

# ---------------------------------------------------------------- tool helpers
# Permitted projects, and every (company, project) pair the bot must not reach: a project of the
# same company that is not permitted, and each company's projects under the other company's id.
permitted = [(c["id"], p) for c in companies for p in c["permitted_project_ids"]]
unreachable = [(c["id"], p) for c in companies for p in c["all_project_ids"] if p not in c["permitted_project_ids"]]
unreachable += [(c["id"], p) for c in companies for o in companies if o is not c for p in o["all_project_ids"]]
raw = Raw(url, demo)


def quiet() -> None:
    # pyprocore logs every request, and every refusal with its stack, to stderr; the refusals
    # below are expected, so its stream handlers keep only CRITICAL (its log files, in the scratch
    # directory, keep everything).
    for name, logger in logging.root.manager.loggerDict.items():
        if name.startswith("procore_sdk") and isinstance(logger, logging.Logger):
            for h in logger.handlers:
                if type(h) is logging.StreamHandler:
                    h.setLevel(logging.CRITICAL)


def header(c: int) -> dict[str, str]:
    return {"Procore-Company-Id": str(c)}


def expect_not_in_catalog(what: str, call) -> None:
    # pyprocore's path is not one of Procore's operations: Trestle's "no route" 404.
    try:
        got = call()
    except ResourceNotFoundError as exc:
        expect_equal(f"{what}: status", exc.status_code, 404)
        assert "no route" in str(exc.response_body), f"{what}: {exc.response_body!r}"
        return
    raise AssertionError(f"{what} answered {got!r}")


def project_tools(c: int, p: int) -> None:
    pc = Procore()
    cases = [
        ("submittals", pc.submittals.list(p), f"/rest/v1.1/projects/{p}/submittals", None),
        ("punch_items", pc.punch_items.list(c, p), "/rest/v1.0/punch_items", {"project_id": p}),
        ("direct_costs", pc.direct_costs.list(p, company_id=c), f"/rest/v1.0/projects/{p}/direct_costs", None),
        ("image_categories", pc.photos.list_albums(p, company_id=c), "/rest/v1.0/image_categories", {"project_id": p}),
        # the catalog's paths through pyprocore's generic client, one record a page over Link
        ("rfis", ProcoreClient().get_all(f"/rest/v1.0/projects/{p}/rfis", params={"per_page": 1}, headers=header(c)),
         f"/rest/v1.0/projects/{p}/rfis", None),
        ("tasks", ProcoreClient().get_all("/rest/v1.0/tasks", params={"project_id": p, "per_page": 1}, headers=header(c)),
         "/rest/v1.0/tasks", {"project_id": p}),
    ]
    for kind, got, path, params in cases:
        expect_samples(f"{kind} of project {p}", kind, got, raw.get(path, c, params))
    # no sample images: an empty list, as plain requests sees it
    expect_equal("images", ids(pc.photos.list(p, company_id=c)), ids(raw.get("/rest/v1.0/images", c, {"project_id": p})))


def project_records_shown(c: int, p: int) -> None:
    pc = Procore()
    for want in raw.get(f"/rest/v1.1/projects/{p}/submittals", c):
        expect_equal(f"submittal {want['id']} title", pc.submittals.get(p, want["id"]).title, want["title"])
    for want in raw.get("/rest/v1.0/punch_items", c, {"project_id": p}):
        expect_equal(f"punch item {want['id']} name", pc.punch_items.get(c, p, want["id"]).name, want["name"])
    for want in raw.get(f"/rest/v1.0/projects/{p}/direct_costs", c):
        got = pc.direct_costs.get(p, want["id"], company_id=c)
        expect_equal(f"direct cost {want['id']} description", got.description, want["description"])


def helpers_not_in_catalog(c: int, p: int) -> None:
    pc = Procore()
    rfi = raw.get(f"/rest/v1.0/projects/{p}/rfis", c)[0]["id"]
    expect_not_in_catalog("rfis.list (v1.1)", lambda: pc.rfis.list(p))
    expect_not_in_catalog("rfis.get (v1.1)", lambda: pc.rfis.get(p, rfi))
    expect_not_in_catalog("tasks.list (/projects/P/tasks)", lambda: pc.tasks.list(p, company_id=c))
    expect_not_in_catalog("budget.views (/projects/P/budget_views)", lambda: pc.budget.views(p, company_id=c))


def budget_refused(c: int, p: int) -> None:
    # The catalog's budget views path: a 403 (no budgeting grant), pyprocore's AuthorizationError.
    try:
        got = ProcoreClient().get("/rest/v1.0/budget_views", params={"project_id": p}, headers=header(c))
    except AuthorizationError as exc:
        # pyprocore keeps neither status nor body of a 403; plain requests reads the body
        assert "status 403" in str(exc), f"not a 403: {exc}"
        r = raw.call("GET", "/rest/v1.0/budget_views", c, params={"project_id": p})
        expect_equal("plain status", r.status_code, 403)
        assert "budgeting" in r.json()["message"], f"unclear 403 body: {r.text}"
        return
    raise AssertionError(f"budget views of project {p} were served: {got!r}")


def company_vendors(c: int) -> None:
    pc = Procore()
    want = raw.get("/rest/v1.0/vendors", c, {"company_id": c})
    expect_samples(f"vendors of company {c}", "vendors", pc.vendors.list(c), want)
    expect_equal("vendors.get name", pc.vendors.get(want[0]["id"], company_id=c).name, want[0]["name"])


def documents_folders(c: int, p: int) -> None:
    # A folder written with plain requests (documents: standard) is what pyprocore lists.
    name = f"pyprocore folder {p}"
    r = raw.call("POST", "/rest/v1.0/folders", c, params={"project_id": p}, json={"folder": {"name": name}})
    expect_equal(f"folder create: {r.text[:200]}", r.status_code, 201)
    got = Procore().documents.list_folders(p, company_id=c)
    root = raw.get("/rest/v1.0/folders", c, {"project_id": p})
    expect_equal("folder ids (library vs plain requests)", ids(got), ids(root["folders"]))
    assert name in [f.name for f in got], f"{name!r} not listed: {got!r}"


def unreachable_project(c: int, p: int) -> None:
    # Trestle's 404 (project not found) as ResourceNotFoundError, never a record.
    pc = Procore()
    calls = {
        "submittals.list": lambda: pc.submittals.list(p),  # no header: the project names the company
        "punch_items.list": lambda: pc.punch_items.list(c, p),
        "direct_costs.list": lambda: pc.direct_costs.list(p, company_id=c),
        "photos.list_albums": lambda: pc.photos.list_albums(p, company_id=c),
        "photos.list": lambda: pc.photos.list(p, company_id=c),
        "documents.list_folders": lambda: pc.documents.list_folders(p, company_id=c),
        "rfis (generic, catalog path)": lambda: ProcoreClient().get_all(f"/rest/v1.0/projects/{p}/rfis", headers=header(c)),
        "tasks (generic, catalog path)": lambda: ProcoreClient().get_all("/rest/v1.0/tasks", params={"project_id": p}, headers=header(c)),
        "budget views (generic, catalog path)": lambda: ProcoreClient().get("/rest/v1.0/budget_views", params={"project_id": p}, headers=header(c)),
    }
    mine = next(co for co in companies if p in co["all_project_ids"])["id"] == c
    for name, call in calls.items():
        if name == "submittals.list" and mine is False and p in next(co for co in companies if co["id"] != c)["permitted_project_ids"]:
            continue  # without a company header this is a permitted project of its own company
        try:
            got = call()
        except ResourceNotFoundError as exc:
            expect_equal(f"{name}: status", exc.status_code, 404)
            assert "not found" in str(exc.response_body), f"{name}: {exc.response_body!r}"
            expect_no_sample_in(name, exc.response_body)
            continue
        raise AssertionError(f"{name} in company {c}, project {p} answered {got!r}")


def foreign_records(c: int, p: int, oc: int, op: int) -> None:
    # Records of the other company, asked for by id in this company's permitted project.
    pc = Procore()
    theirs = {
        "punch_items.get": (raw.get("/rest/v1.0/punch_items", oc, {"project_id": op})[0]["id"], lambda i: pc.punch_items.get(c, p, i)),
        "direct_costs.get": (raw.get(f"/rest/v1.0/projects/{op}/direct_costs", oc)[0]["id"], lambda i: pc.direct_costs.get(p, i, company_id=c)),
        "vendors.get": (raw.get("/rest/v1.0/vendors", oc, {"company_id": oc})[0]["id"], lambda i: pc.vendors.get(i, company_id=c)),
    }
    for name, (record, call) in theirs.items():
        try:
            got = call(record)
        except ResourceNotFoundError as exc:
            expect_equal(f"{name}: status", exc.status_code, 404)
            expect_no_sample_in(name, exc.response_body)
            continue
        raise AssertionError(f"{name}: record {record} of company {oc} answered in company {c}: {got!r}")


quiet()  # the loggers exist by now: the checks above made clients
for c, p in permitted:
    run.check(f"tool lists in project {p} (company {c}) are the samples", lambda c=c, p=p: project_tools(c, p))
    run.check(f"tool records of project {p} one by one", lambda c=c, p=p: project_records_shown(c, p))
    run.check(f"helpers on paths outside Procore's catalog 404 in project {p}", lambda c=c, p=p: helpers_not_in_catalog(c, p))
    run.check(f"budget views of project {p} refused (no budgeting grant)", lambda c=c, p=p: budget_refused(c, p))
for company in companies:
    run.check(f"vendors of company {company['id']}", lambda c=company["id"]: company_vendors(c))
c0, p0 = permitted[0]
run.check(f"documents: folders of project {p0}", lambda: documents_folders(c0, p0))
for c, p in unreachable:
    run.check(f"project {p} under company {c} is not found by any helper", lambda c=c, p=p: unreachable_project(c, p))
a, b = companies[0], companies[1]
run.check(
    "records of the other company are not found",
    lambda: foreign_records(a["id"], a["permitted_project_ids"][0], b["id"], b["permitted_project_ids"][0]),
)
run.finish()
sys.exit(0)
