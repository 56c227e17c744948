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
"""

from __future__ import annotations

import os
import sys
import tempfile

from harness import Runner, expect_equal, ids, load_demo

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
from pyprocore.core.exceptions import AuthenticationError, ProcoreAPIError  # noqa: E402

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
run.finish()
sys.exit(0)
