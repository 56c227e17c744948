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

Tool helpers (all send Procore-Company-Id; every list pages page=1, 2, ... until a page is `[]`,
except direct costs, budget views and image categories, which ask for one page):
  rfis              GET /rest/v1.0/projects/P/rfis, /rfis/{id}
  submittals        GET /rest/v1.1/projects/P/submittals, /submittals/{id}
  quality.punch     GET /rest/v1.1/punch_items?project_id=P, /punch_items/{id}?project_id=P
  direct_costs      GET /rest/v1.1/projects/P/direct_costs, /{id}; create: multipart POST
  directory.vendors GET /rest/v1.0/vendors?company_id=C&per_page=10000
  tasks             GET /rest/v1.0/tasks?project_id=P, /tasks/{id}  (Procore's Schedule tool)
  time.timecards    GET /rest/v1.0/projects/P/timecard_entries?project_id=P
  photos.categories GET/POST /rest/v1.0/image_categories?project_id=P; it catches the library's
                    own errors, prints them and returns [] / {}
  folders           GET/POST /rest/v1.0/folders?project_id=P, /folders/{id}
  budgets.views     GET /rest/v1.0/budget_views?project_id=P
Errors: 403 → NoPrivilegeError, 404 → NotFoundClientError ("Client ID doesn't exist", whatever
was not found); `.response` holds the body text.
Not exercised: folders.get / files.get list /rest/v1.0/projects/P/documents, which Trestle
answers from the generic record engine, not from the Documents tool's folders, so they find
nothing (ProPyCore then raises NotFoundItemError); photos.images has no methods.
"""

from __future__ import annotations

import sys

from ProPyCore.exceptions import NoPrivilegeError, NotFoundClientError, ProcoreException
from ProPyCore.procore import Procore

from harness import Raw, Runner, expect_equal, expect_no_sample_in, expect_samples, ids, load_demo

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

# ---------------------------------------------------------------- tool helpers
# A permitted project of each company; every pair (company, project) the bot must not reach: a
# project of the same company that is not permitted, and each company's projects under the other
# company's id.
permitted = [(c["id"], p) for c in companies for p in c["permitted_project_ids"]]
unreachable = [(c["id"], p) for c in companies for p in c["all_project_ids"] if p not in c["permitted_project_ids"]]
unreachable += [(c["id"], p) for c in companies for o in companies if o is not c for p in o["all_project_ids"]]


def raw() -> Raw:
    if "raw" not in state:
        state["raw"] = Raw(url, demo)
    return state["raw"]


def project_tools(c: int, p: int) -> None:
    pc = state["procore"]
    r = raw()
    cases = [
        ("rfis", pc.rfis.get(company_id=c, project_id=p), f"/rest/v1.0/projects/{p}/rfis", None),
        ("submittals", pc.submittals.get(company_id=c, project_id=p), f"/rest/v1.1/projects/{p}/submittals", None),
        ("punch_items", pc.quality.punch.get(company_id=c, project_id=p), "/rest/v1.1/punch_items", {"project_id": p}),
        ("direct_costs", pc.direct_costs.get(company_id=c, project_id=p), f"/rest/v1.1/projects/{p}/direct_costs", None),
        ("tasks", pc.tasks.get(company_id=c, project_id=p), "/rest/v1.0/tasks", {"project_id": p}),
        (
            "timecard_entries",
            pc.time.timecards.get_for_day(company_id=c, project_id=p),
            f"/rest/v1.0/projects/{p}/timecard_entries",
            None,
        ),
        ("image_categories", pc.photos.categories.get(company_id=c, project_id=p), "/rest/v1.0/image_categories", {"project_id": p}),
    ]
    for kind, got, path, params in cases:
        expect_samples(f"{kind} of project {p}", kind, got, r.get(path, c, params))


def project_records_shown(c: int, p: int) -> None:
    pc = state["procore"]
    r = raw()
    shows = [
        ("rfis", "subject", f"/rest/v1.0/projects/{p}/rfis", None, lambda i: pc.rfis.show(c, p, i)),
        ("submittals", "title", f"/rest/v1.1/projects/{p}/submittals", None, lambda i: pc.submittals.show(c, p, i)),
        ("punch", "name", "/rest/v1.1/punch_items", {"project_id": p}, lambda i: pc.quality.punch.show(c, p, i)),
        ("direct costs", "invoice_number", f"/rest/v1.1/projects/{p}/direct_costs", None, lambda i: pc.direct_costs.show(c, p, i)),
        ("tasks", "name", "/rest/v1.0/tasks", {"project_id": p}, lambda i: pc.tasks.show(c, p, i)),
        ("image categories", "name", "/rest/v1.0/image_categories", {"project_id": p}, lambda i: pc.photos.categories.show(c, p, i)),
    ]
    for kind, field, path, params, show in shows:
        for want in r.get(path, c, params):
            got = show(want["id"])
            expect_equal(f"{kind} {want['id']} {field}", got.get(field), want[field])
            expect_equal(f"{kind} {want['id']} id", got.get("id"), want["id"])
    # find (a list, then a show) by id and by number
    first = r.get(f"/rest/v1.0/projects/{p}/rfis", c)[0]
    expect_equal("rfis.find by id", pc.rfis.find(c, p, first["id"])["subject"], first["subject"])
    sub = r.get(f"/rest/v1.1/projects/{p}/submittals", c)[0]
    expect_equal("submittals.find by title", pc.submittals.find(c, p, sub["title"])["id"], sub["id"])


def company_vendors(c: int) -> None:
    got = state["procore"].directory.vendors.get(company_id=c)
    expect_samples(f"vendors of company {c}", "vendors", got, raw().get("/rest/v1.0/vendors", c, {"company_id": c}))
    expect_equal("vendors.find by name", state["procore"].directory.vendors.find(c, "Brightline Electric")["name"], "Brightline Electric")


def budget_refused(c: int, p: int) -> None:
    # The demo manifest grants no budgeting: a 403, surfaced as NoPrivilegeError.
    try:
        got = state["procore"].budgets.views.get(company_id=c, project_id=p)
    except NoPrivilegeError as exc:
        assert "budgeting" in str(exc.response), f"unclear 403 body: {exc.response!r}"
        return
    raise AssertionError(f"budget views of project {p} were served: {got!r}")


def read_only_tools_refuse_writes(c: int, p: int) -> None:
    pc = state["procore"]
    r = raw()
    before = ids(r.get("/rest/v1.0/image_categories", c, {"project_id": p}))
    # photos is read_only: the 403 is caught and printed by ProPyCore, which returns {}
    expect_equal("image category create answer", pc.photos.categories.create(c, p, "Refused album"), {})
    expect_equal("image categories after a refused create", ids(r.get("/rest/v1.0/image_categories", c, {"project_id": p})), before)
    # direct_costs is read_only: a multipart create is a 403
    before = ids(r.get(f"/rest/v1.1/projects/{p}/direct_costs", c))
    try:
        got = pc.direct_costs.create(c, p, {"description": "Refused cost", "direct_cost_type": "expense"}, [])
    except NoPrivilegeError as exc:
        assert "direct_costs" in str(exc.response), f"unclear 403 body: {exc.response!r}"
    else:
        raise AssertionError(f"a direct cost was created with read_only: {got!r}")
    expect_equal("direct costs after a refused create", ids(r.get(f"/rest/v1.1/projects/{p}/direct_costs", c)), before)


def documents_folder(c: int, p: int) -> None:
    # documents is standard: ProPyCore's folder create (it sends explicit_permissions: false)
    pc = state["procore"]
    made = pc.folders.create(c, p, f"ProPyCore folder {p}")
    assert isinstance(made, dict) and isinstance(made.get("id"), int), f"create answered {made!r}"
    expect_equal("created folder name", made["name"], f"ProPyCore folder {p}")
    root = pc.folders.root(c, p)
    want = raw().get("/rest/v1.0/folders", c, {"project_id": p})
    expect_equal("root folder ids (library vs plain requests)", ids(root["folders"]), ids(want["folders"]))
    assert made["id"] in ids(root["folders"]), f"folder {made['id']} not in the root: {root!r}"
    expect_equal("folders.show name", pc.folders.show(c, p, made["id"])["name"], made["name"])


def unreachable_project(c: int, p: int) -> None:
    # Every helper gets Trestle's 404 (project not found) as NotFoundClientError, never a record.
    pc = state["procore"]
    calls = {
        "rfis.get": lambda: pc.rfis.get(company_id=c, project_id=p),
        "submittals.get": lambda: pc.submittals.get(company_id=c, project_id=p),
        "punch.get": lambda: pc.quality.punch.get(company_id=c, project_id=p),
        "direct_costs.get": lambda: pc.direct_costs.get(company_id=c, project_id=p),
        "tasks.get": lambda: pc.tasks.get(company_id=c, project_id=p),
        "timecards.get_for_day": lambda: pc.time.timecards.get_for_day(company_id=c, project_id=p),
        "budgets.views.get": lambda: pc.budgets.views.get(company_id=c, project_id=p),
        "folders.root": lambda: pc.folders.root(c, p),
    }
    for name, call in calls.items():
        try:
            got = call()
        except NotFoundClientError as exc:
            assert "not found" in str(exc.response), f"{name}: unclear 404 body: {exc.response!r}"
            expect_no_sample_in(name, exc.response)
            continue
        raise AssertionError(f"{name} in company {c}, project {p} answered {got!r}")
    # image categories: ProPyCore swallows the 404 and returns []
    expect_equal("image categories", pc.photos.categories.get(company_id=c, project_id=p), [])


def foreign_record(c: int, p: int, oc: int, op: int) -> None:
    # An RFI of another company's project, asked for inside this company's permitted project.
    theirs = raw().get(f"/rest/v1.0/projects/{op}/rfis", oc)[0]["id"]
    try:
        got = state["procore"].rfis.show(c, p, theirs)
    except NotFoundClientError as exc:
        expect_no_sample_in("rfis.show", exc.response)
        return
    raise AssertionError(f"RFI {theirs} of company {oc} shown in project {p}: {got!r}")


for c, p in permitted:
    run.check(f"tool lists in project {p} (company {c}) are the samples", lambda c=c, p=p: project_tools(c, p))
    run.check(f"tool records of project {p} shown one by one", lambda c=c, p=p: project_records_shown(c, p))
    run.check(f"budget views of project {p} refused (no budgeting grant)", lambda c=c, p=p: budget_refused(c, p))
for company in companies:
    run.check(f"vendors of company {company['id']}", lambda c=company["id"]: company_vendors(c))
c0, p0 = permitted[0]
run.check(f"read_only tools refuse writes in project {p0}", lambda: read_only_tools_refuse_writes(c0, p0))
run.check(f"documents: create and list a folder in project {p0}", lambda: documents_folder(c0, p0))
for c, p in unreachable:
    run.check(f"project {p} under company {c} is not found by any helper", lambda c=c, p=p: unreachable_project(c, p))
a, b = companies[0], companies[1]
run.check(
    "an RFI of the other company is not found",
    lambda: foreign_record(a["id"], a["permitted_project_ids"][0], b["id"], b["permitted_project_ids"][0]),
)
run.finish()
sys.exit(0)
