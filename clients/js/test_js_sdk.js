// @procore/js-sdk 4.x (the official JavaScript SDK, npm) against a live Trestle server.
// Run with `node --test test_js_sdk.js` (scripts/real-clients.sh does it); inputs:
//   TRESTLE_DEMO_JSON  path of the demo.json written by `trestle up --data-dir DIR`
//   TRESTLE_URL        base URL of the server (default: base_url from demo.json)
//
// What the SDK does on the wire: `apiHostname` is the one origin for OAuth and REST; every API call
// sends `Accept` and `Content-Type: application/json` (even on GET), `Procore-Sdk-Version`,
// `Procore-Sdk-language`, and `Procore-Company-Id` when a companyId is configured (per request, or
// `defaultCompanyId`). Any non-2xx response rejects with `{ body, request, response }`.
//
// The SDK has no client_credentials helper (its token() is the authorization_code grant), so the
// token is fetched by hand with a form POST and handed to oauth(token). The SDK's own token(),
// refresh() and info() helpers (JSON bodies) are exercised with a person's sign-in: the login and
// consent pages are driven with fetch (out-of-band redirect URI, so the code is shown on a page).
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { client, oauth, token: sdkToken, refresh: sdkRefresh, info: sdkInfo } = require('@procore/js-sdk');

const demoPath = process.env.TRESTLE_DEMO_JSON;
if (!demoPath) throw new Error('TRESTLE_DEMO_JSON is not set (path of the demo.json written by `trestle up`)');
const demo = JSON.parse(fs.readFileSync(demoPath, 'utf8'));
const url = (process.env.TRESTLE_URL || demo.base_url).replace(/\/+$/, '');
const companies = demo.companies;
assert.ok(companies.length > 0, 'demo data has no companies');

const sortedIds = (items) => {
  assert.ok(Array.isArray(items), `expected a JSON array, got ${JSON.stringify(items)}`);
  return items.map((x) => Number(x.id)).sort((a, b) => a - b);
};
const sorted = (ids) => [...ids].sort((a, b) => a - b);

// Unwraps an SDK rejection ({ body, response }) into an Error that says what came back.
async function sdk(promise) {
  try {
    return await promise;
  } catch (e) {
    if (e && e.response) {
      throw new Error(`HTTP ${e.response.status} ${e.response.url}: ${JSON.stringify(e.body)}`);
    }
    throw e;
  }
}

// Expects an SDK rejection with the given status; returns its body.
async function rejection(promise, status) {
  let result;
  try {
    result = await promise;
  } catch (e) {
    assert.ok(e && e.response, `expected an SDK rejection with a response, got ${e}`);
    assert.equal(e.response.status, status, `status (body ${JSON.stringify(e.body)})`);
    return e.body;
  }
  assert.fail(`expected HTTP ${status}, got ${result.response.status}: ${JSON.stringify(result.body)}`);
}

let accessToken;
let procore; // SDK client with defaultCompanyId = the first demo company
const sdkFor = (token, options = {}) =>
  client(oauth(token), {}, { apiHostname: url, defaultVersion: 'v1.0', ...options });

test('token: client_credentials by hand (form POST, the SDK has no helper)', async () => {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: demo.client_id,
      client_secret: demo.client_secret,
    }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(typeof body.access_token, 'string');
  assert.ok(body.access_token.length > 0);
  assert.equal(body.token_type.toLowerCase(), 'bearer');
  assert.equal(body.expires_in, 5400);
  assert.ok(Number.isInteger(body.created_at), `created_at: ${body.created_at}`);
  assert.equal(body.refresh_token, undefined, 'client_credentials must not return a refresh_token');
  accessToken = body.access_token;
  procore = sdkFor(accessToken, { defaultCompanyId: companies[0].id });
});

test('GET /rest/v1.0/companies', async () => {
  assert.ok(procore, 'no token');
  const res = await sdk(procore.get({ base: '/companies' }));
  assert.deepEqual(sortedIds(res.body), sorted(companies.map((c) => c.id)));
  for (const c of companies) {
    assert.equal(res.body.find((x) => x.id === c.id).name, c.name, `name of company ${c.id}`);
  }
  assert.equal(res.response.headers.get('total'), String(companies.length), 'Total header');
  assert.match(res.response.headers.get('link') || '', /^<http:\/\/.*\/rest\/v1\.0\/companies/, 'absolute Link header');
});

for (const company of companies) {
  const want = sorted(company.permitted_project_ids);
  const cfg = { companyId: company.id }; // per-request Procore-Company-Id

  test(`company ${company.id}: GET /rest/v1.0/projects?company_id`, async () => {
    assert.ok(procore, 'no token');
    const res = await sdk(procore.get({ base: '/projects', qs: { company_id: company.id } }, cfg));
    assert.deepEqual(sortedIds(res.body), want);
    for (const p of res.body) assert.equal(p.company.id, company.id, `company of project ${p.id}`);
  });

  test(`company ${company.id}: GET /rest/v1.1/projects?company_id`, async () => {
    assert.ok(procore, 'no token');
    const res = await sdk(procore.get({ base: '/projects', version: 'v1.1', qs: { company_id: company.id } }, cfg));
    assert.deepEqual(sortedIds(res.body), want);
  });

  test(`company ${company.id}: GET /rest/v1.0/companies/{id}/projects`, async () => {
    assert.ok(procore, 'no token');
    const res = await sdk(
      procore.get({ base: '/companies/{company_id}/projects', params: { company_id: company.id } }, cfg),
    );
    assert.deepEqual(sortedIds(res.body), want);
  });

  test(`company ${company.id}: GET /rest/v1.0/me`, async () => {
    assert.ok(procore, 'no token');
    const res = await sdk(procore.get({ base: '/me' }, cfg));
    assert.ok(Number.isInteger(res.body.id), `/me id: ${JSON.stringify(res.body)}`);
    assert.equal(typeof res.body.login, 'string');
    assert.ok(res.body.login.length > 0, '/me login is empty');
  });
}

test('GET /rest/v1.0/me with defaultCompanyId only', async () => {
  assert.ok(procore, 'no token');
  const viaDefault = await sdk(procore.get({ base: '/me' }));
  const explicit = await sdk(procore.get({ base: '/me' }, { companyId: companies[0].id }));
  assert.deepEqual(viaDefault.body, explicit.body);
});

test('GET /rest/v1.0/me without any company is a clear 400', async () => {
  assert.ok(accessToken, 'no token');
  const body = await rejection(sdkFor(accessToken).get({ base: '/me' }), 400);
  assert.match(JSON.stringify(body), /Procore-Company-Id/);
});

test('an unknown bearer token is a 401 (JSON body, so the SDK rejects cleanly)', async () => {
  await rejection(sdkFor('not-a-real-token', { defaultCompanyId: companies[0].id }).get({ base: '/companies' }), 401);
});

// ---------------------------------------------------------------- a person signs in (authorization_code)
const OOB = 'urn:ietf:wg:oauth:2.0:oob';

// Minimal browser: keeps cookies, does not follow redirects.
function browser() {
  const jar = new Map();
  const keep = (res) => {
    for (const c of res.headers.getSetCookie ? res.headers.getSetCookie() : []) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    async get(path) {
      const res = await fetch(`${url}${path}`, { headers: { cookie: cookie() }, redirect: 'manual' });
      keep(res);
      return res;
    },
    async post(path, form) {
      const res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { cookie: cookie(), 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
        redirect: 'manual',
      });
      keep(res);
      return res;
    },
  };
}

const field = (html, name) => {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  assert.ok(m, `no ${name} field in ${html}`);
  return m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
};

async function signInForCode(email) {
  const b = browser();
  const q = new URLSearchParams({ response_type: 'code', client_id: demo.client_id, redirect_uri: OOB });
  let res = await b.get(`/oauth/authorize?${q}`);
  assert.equal(res.status, 200);
  let html = await res.text();
  res = await b.post('/oauth/authorize/login', { email, password: demo.demo_password, csrf: field(html, 'csrf'), q: field(html, 'q') });
  assert.equal(res.status, 303, 'a successful login answers 303');
  res = await b.get(res.headers.get('location'));
  html = await res.text();
  res = await b.post('/oauth/authorize/decision', { decision: 'approve', csrf: field(html, 'csrf'), q: field(html, 'q') });
  assert.equal(res.status, 200);
  const m = (await res.text()).match(/<code id="code">([^<]+)<\/code>/);
  assert.ok(m, 'the out-of-band page shows the code');
  return m[1];
}

test('SDK token(), refresh() and info() for a signed-in company admin', async () => {
  const admin = companies[0];
  const code = await signInForCode(admin.admin_email);
  const opts = { apiHostname: url };
  const tok = await sdkToken({ id: demo.client_id, secret: demo.client_secret, code, uri: OOB }, opts);
  assert.equal(tok.token_type, 'bearer', JSON.stringify(tok));
  assert.ok(tok.refresh_token, 'the authorization_code grant returns a refresh_token');
  const info = await sdkInfo(tok.access_token, opts);
  assert.equal(info.application.uid, demo.client_id);
  assert.ok(Number(info.resource_owner_id) > 0, 'the token belongs to the person');
  // the person's own view: their company, and (as its admin) all its projects
  const user = sdkFor(tok.access_token);
  const mine = await sdk(user.get({ base: '/companies' }));
  assert.deepEqual(sortedIds(mine.body), [admin.id]);
  const projects = await sdk(user.get({ base: '/projects', qs: { company_id: admin.id } }));
  assert.deepEqual(sortedIds(projects.body), sorted(admin.all_project_ids));
  // refresh(): rotation, and the old refresh token is spent
  const next = await sdkRefresh({ id: demo.client_id, secret: demo.client_secret, uri: OOB, token: tok.access_token, refresh: tok.refresh_token }, opts);
  assert.ok(next.access_token && next.refresh_token && next.refresh_token !== tok.refresh_token, JSON.stringify(next));
  const again = await sdkRefresh({ id: demo.client_id, secret: demo.client_secret, uri: OOB, token: tok.access_token, refresh: tok.refresh_token }, opts);
  assert.equal(again.error, 'invalid_grant', 'a spent refresh token is refused');
});

test('SDK info() for a client_credentials token', async () => {
  const info = await sdkInfo(accessToken, { apiHostname: url });
  assert.equal(info.application.uid, demo.client_id);
  assert.ok(info.expires_in_seconds > 0 && info.expires_in_seconds <= 5400);
});
