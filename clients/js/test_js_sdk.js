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
// token is fetched by hand with a form POST and handed to oauth(token). The SDK's refresh() and
// info() helpers are left out: they need the refresh_token grant and GET /oauth/token/info, which
// Trestle does not implement yet.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { client, oauth } = require('@procore/js-sdk');

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
