// The main journeys through Trestle's web UI, in headless Chromium against a live server
// started by scripts/ui-tests.sh (demo data: developer Dana, Bridgeworks admin Blair with two
// projects). Each step saves a screenshot of the screen it ends on to $UI_ARTIFACTS.
//
//   TRESTLE_URL=http://127.0.0.1:PORT TRESTLE_DEMO_JSON=.../demo.json node --test journeys.test.mjs

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { createHash, randomBytes } from "node:crypto";

const BASE = process.env.TRESTLE_URL;
const DEMO = JSON.parse(readFileSync(process.env.TRESTLE_DEMO_JSON, "utf8"));
const ARTIFACTS = process.env.UI_ARTIFACTS || "artifacts";
mkdirSync(ARTIFACTS, { recursive: true });
assert.match(BASE, /^http:\/\/127\.0\.0\.1:\d+$/, "only local servers");

const DEV_EMAIL = "dana.developer@demo.trestle.test";
const bridgeworks = DEMO.companies.find((c) => c.name === "Bridgeworks Builders");
assert.ok(bridgeworks, "demo data has Bridgeworks Builders");
assert.equal(bridgeworks.all_project_ids.length, 2, "Bridgeworks has two projects");

let browser, dev, admin;
const state = {};
let shot = 0;

// Anything the browser refused under the Content-Security-Policy, or any script error.
const browserErrors = [];
function watch(page) {
  page.on("console", (m) => {
    if (m.type() === "error") browserErrors.push(m.text());
  });
  page.on("pageerror", (e) => browserErrors.push(String(e)));
}

// Every screen: one h1, a main landmark, and every control with an accessible name.
async function assertAccessible(page, name) {
  const found = await page.evaluate(() => {
    const unnamed = [...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")]
      .filter((el) => {
        if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return false;
        if (el.tagName === "BUTTON") return !el.textContent.trim();
        const label = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest("label");
        return !label;
      })
      .map((el) => el.outerHTML.slice(0, 120));
    return { h1: document.querySelectorAll("h1").length, main: document.querySelectorAll("main").length, unnamed };
  });
  assert.equal(found.h1, 1, `${name}: one h1`);
  assert.equal(found.main, 1, `${name}: one main landmark`);
  assert.deepEqual(found.unnamed, [], `${name}: controls without an accessible name`);
}

async function snap(page, name) {
  await assertAccessible(page, name);
  // (error statuses the journeys expect, such as a 401 sign-in page, are not errors here)
  const errors = browserErrors.splice(0).filter((e) => !/^Failed to load resource/.test(e));
  assert.deepEqual(errors, [], `${name}: the browser reported errors`);
  shot += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, "0")}-${name}.png`), fullPage: true });
}

async function newSession() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  // Destructive forms ask for confirmation: the journeys confirm.
  page.on("dialog", (d) => d.accept());
  watch(page);
  return page;
}

async function signIn(page, email) {
  await page.goto(`${BASE}/ui`);
  assert.match(page.url(), /\/ui\/login\?next=%2Fui$/, "an anonymous visit goes to the login page");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(DEMO.demo_password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${BASE}/ui`);
}

async function api(path, token, init = {}) {
  const res = await fetch(`${BASE}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...(init.headers || {}) },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function appToken() {
  const res = await fetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: state.clientId,
      client_secret: state.clientSecret,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

async function botProjects() {
  const token = await appToken();
  const res = await api(`/rest/v1.0/projects?company_id=${bridgeworks.id}`, token);
  return res;
}

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  dev = await newSession();
  admin = await newSession();
});

after(async () => {
  await browser?.close();
});

test("sign-in: a wrong password is refused with a message, keyboard only", async () => {
  const page = dev;
  await page.goto(`${BASE}/ui/apps`);
  assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Fapps$/);
  // The e-mail field has focus; the form is usable with the keyboard alone.
  await page.keyboard.type(DEV_EMAIL);
  await page.keyboard.press("Tab");
  await page.keyboard.type("not-the-password");
  await page.keyboard.press("Enter");
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").textContent(), /wrong e-mail address or password/);
  await snap(page, "login-refused");
  await page.getByLabel("Password").fill(DEMO.demo_password);
  await page.getByLabel("Password").press("Enter");
  await page.waitForURL(`${BASE}/ui/apps`);
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), "My apps");
});

test("developer: create an app, sandbox secret shown once", async () => {
  const page = dev;
  await page.getByLabel("App name").fill("Field Photo Sync");
  await page.getByRole("button", { name: "Create app" }).click();
  await page.getByRole("heading", { name: "Field Photo Sync is ready" }).waitFor();
  const secret = await page.getByLabel("Sandbox client secret").inputValue();
  assert.match(secret, /^[0-9a-f]{64}$/);
  assert.match(await page.getByText("shown only this once").textContent(), /shown only this once/);
  const copy = page.getByRole("button", { name: "Copy" }).nth(1);
  await copy.click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  await snap(page, "app-created-sandbox-secret");
  await page.getByRole("link", { name: /I have saved the secret/ }).click();
  await page.getByRole("heading", { name: "Field Photo Sync" }).waitFor();
  state.appUrl = page.url();
  assert.ok(!(await page.content()).includes(secret), "the secret is not on the app page");
});

test("developer: a manifest with problems is refused with every problem named", async () => {
  const page = dev;
  await page.getByRole("link", { name: "New version" }).click();
  await page.getByText("Edit the manifest as JSON").click();
  await page.getByLabel("Manifest JSON").fill(
    JSON.stringify({ schema_version: "9", permissions: { project: { photos: "sometimes" } } }),
  );
  await page.getByRole("button", { name: "Save from JSON" }).click();
  const problems = page.locator("#problems");
  await problems.waitFor();
  const text = await problems.textContent();
  assert.match(text, /\$\.manifest\.schema_version/);
  assert.match(text, /\$\.manifest\.permissions\.project\.photos/);
  await snap(page, "manifest-problems");
});

test("developer: write the manifest with the permission builder", async () => {
  const page = dev;
  await page.goto(`${state.appUrl}/versions/new`);
  assert.equal(await page.getByLabel(/^Version/).inputValue(), "1.0.0");
  await page.getByLabel("documents at project level").selectOption("standard");
  await page.getByLabel("directory at project level").selectOption("read_only");
  await page.getByLabel("photos at project level").selectOption("read_only");
  await page.getByLabel("directory at company level").selectOption("read_only");
  await page.getByLabel("Post-installation notes").fill("Pick the projects whose photos Field Photo Sync may read.");
  await page.getByLabel("Setup page URL").fill("https://example.com/field-photo-sync/setup");
  await page.getByLabel("Setup page label").fill("Field Photo Sync setup");
  await snap(page, "manifest-builder");
  await page.getByRole("button", { name: "Save version" }).click();
  await page.getByText("The version was created").waitFor();
  const rows = await page.locator("table").first().textContent();
  assert.match(rows, /photos/);
  assert.match(rows, /documents/);
  await snap(page, "version-ready-for-testing");
});

test("developer: promote; App Version ID and production secret shown once", async () => {
  const page = dev;
  await page.getByRole("button", { name: "Promote version 1.0.0" }).click();
  await page.getByRole("heading", { name: "Version 1.0.0 is in production" }).waitFor();
  state.appVersionId = await page.getByLabel("App Version ID").inputValue();
  state.clientId = await page.getByLabel("Client ID").inputValue();
  state.clientSecret = await page.getByLabel("Client secret").inputValue();
  assert.match(state.appVersionId, /^[0-9a-f-]{36}$/);
  assert.match(state.clientSecret, /^[0-9a-f]{64}$/);
  assert.match(await page.locator("#client-secret-warning").textContent(), /shown only this once/);
  await snap(page, "promoted-secret-once");
  await page.getByRole("link", { name: /I have saved the secret/ }).click();
  await page.waitForURL(state.appUrl);
  const html = await page.content();
  assert.ok(html.includes(state.appVersionId), "the App Version ID stays visible");
  assert.ok(!html.includes(state.clientSecret), "the secret is never shown again");
  await snap(page, "app-overview");
});

test("admin: custom install by App Version ID into a company with two projects", async () => {
  const page = admin;
  await signIn(page, bridgeworks.admin_email);
  await page.getByRole("link", { name: "Bridgeworks Builders" }).click();
  await page.getByRole("link", { name: "Install an app", exact: true }).first().click();
  await snap(page, "install-an-app");
  await page.getByLabel("App Version ID").fill(state.appVersionId);
  await page.getByRole("button", { name: "Install", exact: true }).click();
  await page.getByText("The app is installed").waitFor();
  state.installUrl = page.url().split("?")[0];
  assert.match(await page.locator("#post-install-notes").textContent(), /photos Field Photo Sync may read/);
  assert.equal(await page.getByRole("link", { name: "Field Photo Sync setup" }).getAttribute("href"),
    "https://example.com/field-photo-sync/setup");
  // Before any project is permitted, the app's bot sees none.
  const none = await botProjects();
  assert.equal(none.status, 200);
  assert.equal(none.body.length, 0);
  await page.getByLabel("Select River Bridge").check();
  await page.getByLabel("Select North Depot").check();
  await page.getByRole("button", { name: "Add selected projects" }).click();
  await page.getByText("The projects were permitted").waitFor();
  assert.match(await page.locator("#permitted-count").textContent(), /2 permitted/);
  await snap(page, "install-permitted-projects");
});

test("the secret shown at promotion gets a token that sees both projects", async () => {
  const res = await botProjects();
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.map((p) => p.name).sort(), ["North Depot", "River Bridge"]);
});

test("admin: search, then remove a project: the app loses it at once", async () => {
  const page = admin;
  await page.getByLabel("Search projects").fill("depot");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("button", { name: "Remove North Depot" }).waitFor();
  assert.equal(await page.getByText("River Bridge").count(), 0, "search shows only matches");
  await snap(page, "project-search");
  await page.getByRole("button", { name: "Remove North Depot" }).click();
  await page.getByText("The project was removed").waitFor();
  const res = await botProjects();
  assert.deepEqual(res.body.map((p) => p.name), ["River Bridge"]);
});

test("admin: directory marks the bot; the audit log shows the install", async () => {
  const page = admin;
  await page.getByRole("link", { name: "Directory" }).click();
  const botRow = page.getByRole("row", { name: /Field Photo Sync/ });
  await botRow.waitFor();
  assert.match(await botRow.textContent(), /Bot/);
  await snap(page, "directory");
  await page.getByRole("link", { name: "Audit log" }).click();
  const log = await page.locator("table").textContent();
  assert.match(log, /install/);
  assert.match(log, /Blair Boss/);
  await snap(page, "audit-log");
});

test("upgrade: a wider version waits for the admin's approval", async () => {
  await dev.goto(`${state.appUrl}/versions/new`);
  assert.equal(await dev.getByLabel(/^Version/).inputValue(), "1.1.0");
  assert.equal(await dev.getByLabel("photos at project level").inputValue(), "read_only", "starts from 1.0.0");
  await dev.getByLabel("photos at project level").selectOption("standard");
  await dev.getByRole("button", { name: "Save version" }).click();
  await dev.getByText("The version was created").waitFor();
  assert.match(await dev.locator("#promote-h").locator("..").textContent(), /asks for more than the promoted one/);
  await dev.getByRole("button", { name: "Promote version 1.1.0" }).click();
  await dev.getByRole("heading", { name: "Version 1.1.0 is in production" }).waitFor();
  assert.match(await dev.locator("main").textContent(), /1 must approve/);

  await admin.goto(state.installUrl);
  await admin.getByRole("heading", { name: "Permission upgrade pending" }).waitFor();
  assert.match(await admin.locator("main").textContent(), /photos: Read only → Standard/);
  await snap(admin, "upgrade-pending");
  await admin.getByRole("button", { name: "Approve upgrade to 1.1.0" }).click();
  await admin.getByText("The upgrade was approved").waitFor();
  assert.equal(await admin.getByRole("heading", { name: "Permission upgrade pending" }).count(), 0);
});

test("developer: metrics chart shows the install", async () => {
  await dev.goto(`${state.appUrl}/metrics`);
  const chart = dev.getByRole("img", { name: /Active installs per day/ });
  await chart.waitFor();
  assert.match(await dev.locator(".stats").textContent(), /1\s*active installs/);
  assert.match(await dev.locator("main").textContent(), /Bridgeworks Builders/);
  await snap(dev, "metrics");
});

test("the UI fits a phone screen", async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  const phone = await context.newPage();
  watch(phone);
  await phone.context().addCookies(await admin.context().cookies());
  await phone.goto(state.installUrl);
  await phone.getByRole("heading", { name: "Field Photo Sync" }).waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no sideways scrolling (overflow ${overflow}px)`);
  await snap(phone, "install-on-phone");
  await context.close();
});

test("admin: uninstall ends the app's access at once", async () => {
  const page = admin;
  await page.goto(state.installUrl);
  await page.getByRole("button", { name: "Uninstall Field Photo Sync" }).click();
  await page.getByText("The app was uninstalled").waitFor();
  await snap(page, "uninstalled");
  const res = await botProjects();
  assert.ok([403, 404].includes(res.status), `status ${res.status}`);
});

test("sign out ends the session on the server", async () => {
  const page = admin;
  const cookies = await page.context().cookies();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/ui\/login$/);
  // The old cookie no longer opens anything, even if someone kept a copy.
  const context = await browser.newContext();
  await context.addCookies(cookies);
  const again = await context.newPage();
  await again.goto(`${BASE}/ui`);
  assert.match(again.url(), /\/ui\/login/);
  await context.close();
});

test("a person signs in to an app: login, consent, redirect with a code", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  watch(page);
  // The demo app's registered redirect URI; the browser's arrival there is the result.
  await page.route("http://localhost/**", (route) => route.fulfill({ body: "app callback", contentType: "text/plain" }));
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const q = new URLSearchParams({
    response_type: "code",
    client_id: DEMO.client_id,
    redirect_uri: "http://localhost",
    state: "journey-state",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  await page.goto(`${BASE}/oauth/authorize?${q}`);
  await snap(page, "oauth-login");
  const acme = DEMO.companies.find((c) => c.name === "Acme Construction");
  await page.getByLabel("E-mail").fill(acme.admin_email);
  await page.getByLabel("Password").fill(DEMO.demo_password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Allow" }).waitFor();
  assert.match(await page.locator("main").textContent(), /Demo Data Sync/);
  await snap(page, "oauth-consent");
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(/^http:\/\/localhost\/\?/);
  const back = new URL(page.url());
  assert.equal(back.searchParams.get("state"), "journey-state");
  const code = back.searchParams.get("code");
  assert.ok(code);
  const res = await fetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: "http://localhost",
      client_id: DEMO.client_id,
      client_secret: DEMO.client_secret,
      code_verifier: verifier,
    }),
  });
  const token = await res.json();
  assert.equal(res.status, 200, JSON.stringify(token));
  const companies = await api("/rest/v1.0/companies", token.access_token);
  assert.deepEqual(companies.body.map((c) => c.name), ["Acme Construction"], "the person's view");
  await context.close();
});
