// Shared by the browser tests: the browser, signing in, pages that fail on console errors and
// save a screenshot on failure, and waits that say what they were waiting for.
//
//   OCC_E2E_URL       base URL of the app, required (for example http://127.0.0.1:3917)
//   OCC_E2E_SENDING_URL  base URL of a server that sends email (OCC_PUBLIC_URL set, and
//                     OCC_WEBHOOK_SECRET as OCC_E2E_WEBHOOK_SECRET): the tests that send use it
//   OCC_E2E_EMAIL     email of a user to sign in as (an admin, such as the demo user), required
//   OCC_E2E_PASSWORD  that user's password, required
//   OCC_CHROMIUM      chromium binary, default /usr/bin/chromium
//   OCC_E2E_SCREENS   screenshot directory, default ../../target/e2e-screens from this file
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { access, constants, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { SMTPServer } from 'smtp-server';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The server under test: OCC_E2E_URL, or the one a file's `setup({ base })` names. */
export let BASE = (process.env.OCC_E2E_URL || '').replace(/\/+$/, '');
const CHROMIUM = process.env.OCC_CHROMIUM || '/usr/bin/chromium';
const SCREENS = process.env.OCC_E2E_SCREENS
  ? path.resolve(process.env.OCC_E2E_SCREENS)
  : path.resolve(HERE, '../../target/e2e-screens');
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const WAIT_MS = 10_000;
/** An account's detail page, and not the new-account form. */
export const DETAIL_PATH = /^\/accounts\/(?!new$)[^/]+$/;

let browser;
/** The session the signed-in tests share: cookies (storage state), CSRF token and user. */
let shared = null;

/** The user to sign in as, from the environment; throws a clear error when unset. */
export function credentials() {
  const email = process.env.OCC_E2E_EMAIL;
  const password = process.env.OCC_E2E_PASSWORD;
  const missing = [!email && 'OCC_E2E_EMAIL', !password && 'OCC_E2E_PASSWORD'].filter(Boolean);
  if (missing.length) {
    throw new Error(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the app needs signing in. ` +
        'Run with the demo admin, for example OCC_E2E_EMAIL=demo@occ.local OCC_E2E_PASSWORD=<OCC_DEMO_PASSWORD of the server>',
    );
  }
  return { email, password };
}

/**
 * Registers the before/after hooks of a test file: checks the environment, starts chromium
 * and, unless `signIn` is false, signs in once through the API. The login is rate limited, so
 * the file's tests share that one session: each test's fresh browser context starts with its
 * cookie (see `withPage`). `base` points the file at another server than OCC_E2E_URL.
 */
export function setup({ signIn = true, base } = {}) {
  if (base !== undefined) BASE = (base || '').replace(/\/+$/, '');
  before(async () => {
    if (!BASE) {
      throw new Error(
        'OCC_E2E_URL is not set: start the app (occ serve --demo --addr 127.0.0.1:3917) and run with OCC_E2E_URL=http://127.0.0.1:3917',
      );
    }
    const creds = credentials();
    try {
      await access(CHROMIUM, constants.X_OK);
    } catch {
      throw new Error(`no chromium at ${CHROMIUM}: install it (apt-get install chromium) or set OCC_CHROMIUM`);
    }
    await mkdir(SCREENS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    if (signIn) {
      const context = await browser.newContext();
      try {
        const { user, csrf } = await signInThroughApi(context.request, creds);
        shared = { storageState: await context.storageState(), user, csrf };
      } finally {
        await context.close();
      }
    }
  });

  after(async () => {
    if (browser) await browser.close();
  });
}

/** Posts the login; returns `{ user, csrf }` or fails saying what the server answered. */
export async function signInThroughApi(request, { email, password } = credentials()) {
  const res = await request.post(`${BASE}/api/v1/auth/login`, { data: { email, password } });
  assert.equal(
    res.status(),
    200,
    `signing in as ${email} (POST /api/v1/auth/login) answered ${res.status()}: ${await res.text()}` +
      (res.status() === 401 ? '\nCheck OCC_E2E_EMAIL and OCC_E2E_PASSWORD against the server (OCC_DEMO_PASSWORD for the demo admin).' : ''),
  );
  const body = await res.json();
  assert.ok(body.user && body.csrf_token, `the login answer should carry the user and a csrf_token, it is ${JSON.stringify(body)}`);
  return { user: body.user, csrf: body.csrf_token };
}

/** The user the shared session belongs to. */
export function sharedUser() {
  assert.ok(shared, 'no shared session: this file was set up with signIn: false');
  return shared.user;
}

/** A unique suffix per run, so tests can rerun against the same database. */
export function uniqueStamp() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export function screenshotPath(name) {
  return path.join(SCREENS, `${name}.png`);
}

/** Saves a screenshot of `page` as <name>.png in the screenshot directory. */
export function screenshot(page, name, { fullPage = false } = {}) {
  return page.screenshot({ path: screenshotPath(name), fullPage });
}

/**
 * Runs `fn(page, context)` in a fresh browser context, signed in with the shared session
 * unless `signedIn` is false. Collects uncaught page errors and console errors (a
 * Content-Security-Policy violation is one) and fails on them; on any failure it saves a
 * screenshot named FAILED-<name>.png and says where.
 */
export async function withPage(name, { viewport = DESKTOP, mobile = false, signedIn = true } = {}, fn) {
  if (signedIn) assert.ok(shared, 'withPage: no shared session to start from (setup({ signIn: false })?)');
  const context = await browser.newContext({
    viewport,
    isMobile: mobile,
    hasTouch: mobile,
    deviceScaleFactor: 1,
    storageState: signedIn ? shared.storageState : undefined,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught error in the page: ${e.message}`));
  page.on('console', (msg) => {
    // The browser logs every non-2xx fetch; the tests provoke some (401, 422) on purpose.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  try {
    await fn(page, context);
    assert.deepEqual(problems, [], `the page reported errors:\n  ${problems.join('\n  ')}`);
  } catch (e) {
    const shot = screenshotPath(`FAILED-${name}`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    e.message = `${e.message}\n(screenshot of the page: ${shot}; page URL: ${page.url()})`;
    throw e;
  } finally {
    await context.close();
  }
}

/**
 * Calls the API as the shared session, with its CSRF token (which every method but GET and
 * HEAD needs), `data` as JSON or, given `contentType`, as that type. Returns the playwright
 * response.
 */
export function api(page, method, apiPath, data, contentType) {
  const headers = method === 'GET' || method === 'HEAD' ? {} : { 'x-csrf-token': shared.csrf };
  if (contentType) headers['content-type'] = contentType;
  return page.request.fetch(`${BASE}/api/v1${apiPath}`, { method, data, headers });
}

/** Waits for `locator` to be visible, failing with `what` in the message. */
export async function expectVisible(locator, what) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout: WAIT_MS });
  } catch {
    assert.fail(`expected to see ${what} within ${WAIT_MS} ms, but it did not appear`);
  }
}

export async function expectHidden(locator, what) {
  try {
    await locator.first().waitFor({ state: 'hidden', timeout: WAIT_MS });
  } catch {
    assert.fail(`expected ${what} to be hidden, but it is visible`);
  }
}

/** Waits until `locator`'s text is `expected` (trimmed), failing with both texts. */
export async function expectText(locator, expected, what) {
  const deadline = Date.now() + WAIT_MS;
  let actual = null;
  while (Date.now() < deadline) {
    actual = await locator
      .first()
      .textContent({ timeout: 500 })
      .catch(() => null);
    if (actual !== null && actual.trim() === expected) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`expected ${what} to read ${JSON.stringify(expected)}, found ${JSON.stringify(actual && actual.trim())}`);
}

export async function waitForPath(page, pattern, what) {
  try {
    await page.waitForURL((url) => pattern.test(url.pathname), { timeout: WAIT_MS });
  } catch {
    assert.fail(`expected to arrive at ${what}, but the page is at ${new URL(page.url()).pathname}`);
  }
}

/** Waits until the page's title is `title`: the app sets it just after the screen renders. */
export async function expectTitle(page, title) {
  try {
    await page.waitForFunction((t) => document.title === t, title, { timeout: WAIT_MS });
  } catch {
    assert.equal(await page.title(), title, 'the page title');
  }
}

/** Waits until `test(url)` holds for the page's URL; `failure` says what went wrong, without the URL. */
export async function waitForUrl(page, test, failure) {
  try {
    await page.waitForURL(test, { timeout: WAIT_MS });
  } catch {
    assert.fail(`${failure}, the URL is ${page.url()}`);
  }
}

/**
 * Waits until the list shows exactly `n` rows and loads nothing more. The previous page stays
 * visible (marked `aria-busy`) while the next loads, so a count seen while busy may be the old
 * page's; the count checked is the one last seen, not a second look that could differ.
 */
export async function waitForRowCount(page, n, what) {
  const rows = page.getByTestId('row');
  const loading = page.locator('[aria-busy="true"]');
  const deadline = Date.now() + WAIT_MS;
  let count = await rows.count();
  while (Date.now() < deadline && (count !== n || (await loading.count()) > 0)) {
    await page.waitForTimeout(100);
    count = await rows.count();
  }
  assert.equal(count, n, `expected ${n} rows ${what}`);
}

/** Fills a form's fields by their visible labels. */
export async function fillByLabel(page, fields) {
  for (const [label, value] of Object.entries(fields)) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
}

/** Checks that the side navigation lists the screens a `role` may open, in order. */
export async function expectNav(page, role, what) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const links = (await nav.locator('.nav-link').allTextContents()).map((t) => t.trim());
  const expected = [
    'Dashboard',
    'Today',
    'Replies',
    'Contacts',
    'Pipeline',
    ...(role === 'viewer' ? [] : ['Import']),
    'Accounts',
    'Opportunities',
    'LinkedIn',
    ...(role === 'viewer' ? [] : ['Review']),
    'Sequences',
    'Batches',
    'Experiments',
    'Analytics',
    'Agents',
    ...(role === 'admin' || role === 'manager' ? ['Audit log'] : []),
    'Settings',
    'Status',
  ];
  assert.deepEqual(links, expected, what);
}

/** Checks that the page is no wider than the window (does not scroll sideways). */
export async function expectNoSidewaysScroll(page, what) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} should not scroll sideways on a phone, it is ${overflow} px too wide`);
}

/**
 * Starts an SMTP server on 127.0.0.1 (a free port) that accepts every message and keeps it:
 * `{ port, messages: [{ from, to: [address], raw }], close() }`.
 */
export async function startSmtpServer() {
  const messages = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback(null, 'Message received by the e2e test server');
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.server.address().port,
    messages,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A header of a raw message (unfolded), or null. */
export function headerOf(raw, name) {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

/** Waits until `check()` answers something truthy and answers it; fails saying `what` after `ms`. */
export async function eventually(check, what, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The JSON of an API answer (null for an empty one); fails saying `what` unless it is a 2xx. */
export async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}
