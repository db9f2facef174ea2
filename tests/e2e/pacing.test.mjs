// Browser tests of Settings → Pacing and Today's "Sending today": an admin changes the daily
// connection limit and the time zone, saves a new version and sees it after a reload; an unknown
// time zone is refused next to its field; Today's connection gauge shows the new limit; an
// identity made through the API shows its warm-up allowance on both pages (a paused one only on
// Settings), and the strip stays away when the API lists no identity. The limits are put back
// at the end. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo
// user); the server needs OCC_SECRET_KEY for nothing here (the identities have no password).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  api,
  expectHidden,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  screenshot,
  setup,
  uniqueStamp,
  waitForPath,
  withPage,
  expectTitle,
} from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

const LIMIT_FIELDS = ['recipient_domain_daily_cap', 'linkedin_connections_daily', 'linkedin_connections_weekly', 'linkedin_messages_daily'];

/** What the run started with, put back by the last test so other tests keep the usual limits. */
let original = null;
/** The limits this run saved. */
let saved = null;
const identityIds = [];

const versionOf = async (page) => Number(await page.getByTestId('pacing-version').getAttribute('data-version'));

test('an admin changes the daily connection limit and the time zone, and saves a new version', { timeout: 60_000 }, async () => {
  await withPage('pacing', {}, async (page) => {
    const before = await json(await api(page, 'GET', '/settings/pacing'), 'GET /settings/pacing');
    original = { ...before.value };
    // Different from what is there, so the test sees its own change; the daily limit stays
    // under the weekly one and above the defaults other tests rely on.
    const daily = before.value.linkedin_connections_daily === 27 ? 31 : 27;
    const timezone = before.value.timezone === 'America/Chicago' ? 'Asia/Tokyo' : 'America/Chicago';
    assert.ok(daily <= before.value.linkedin_connections_weekly, `the weekly limit ${before.value.linkedin_connections_weekly} allows ${daily} a day`);

    await page.goto(`${BASE}/settings`);
    await waitForPath(page, /^\/settings\/profile$/, 'Settings → Profile');
    await page.getByTestId('settings-pacing').click();
    await waitForPath(page, /^\/settings\/pacing$/, 'Settings → Pacing');
    await expectVisible(page.getByTestId('pacing-form'), 'the pacing form');
    await expectTitle(page, 'Pacing · Settings · OCC');
    assert.equal(await page.getByTestId('settings-pacing').getAttribute('aria-current'), 'page', 'Pacing is the current tab');
    assert.equal(await versionOf(page), before.version, 'the page shows the version in use');
    assert.equal(await page.getByTestId('pacing-timezone').inputValue(), before.value.timezone, 'the time zone in use');
    for (const f of LIMIT_FIELDS) {
      assert.equal(await page.getByTestId(`pacing-${f}`).inputValue(), String(before.value[f]), `the form's ${f}`);
    }
    await expectText(page.getByTestId('pacing-save'), `Save as version ${before.version + 1}`, 'the save button');
    await expectVisible(page.getByTestId('pacing-linkedin'), "today's LinkedIn gauges");

    await page.getByLabel('LinkedIn connection requests a day').fill(String(daily));
    await page.getByLabel('Team time zone').fill(timezone);
    await expectVisible(page.locator('[data-testid="timezone-feedback"][data-known="true"]'), `the local time in ${timezone}`);
    await expectText(page.getByTestId('pacing-save-note'), 'Unsaved changes.', 'the note on unsaved changes');
    await page.getByTestId('pacing-save').click();

    await expectVisible(page.locator(`[data-testid="pacing-version"][data-version="${before.version + 1}"]`), `version ${before.version + 1}`);
    await expectVisible(page.getByTestId('pacing-saved-by').filter({ hasText: /^you \(/ }), 'saved by you');
    await expectText(page.getByTestId('pacing-save-note'), 'No changes.', 'the note after saving');
    // The gauges under the form follow the new limit.
    await expectVisible(
      page.locator(`[data-testid="gauge-connection_sent-today"][data-max="${daily}"]`),
      `today's connection gauge out of ${daily}`,
    );
    await screenshot(page, 'pacing', { fullPage: true });

    await page.reload();
    await expectVisible(page.getByTestId('pacing-form'), 'the pacing form after a reload');
    assert.equal(await versionOf(page), before.version + 1, 'the new version after a reload');
    assert.equal(await page.getByTestId('pacing-linkedin_connections_daily').inputValue(), String(daily), 'the daily connection limit after a reload');
    assert.equal(await page.getByTestId('pacing-timezone').inputValue(), timezone, 'the time zone after a reload');
    const stored = await json(await api(page, "GET", "/settings/pacing"), "GET /settings/pacing after saving");
    assert.equal(stored.version, before.version + 1, 'the server holds the new version');
    assert.deepEqual(stored.value, { ...before.value, linkedin_connections_daily: daily, timezone }, 'the server holds the new values');
    saved = stored;
  });
});

test('an unknown time zone and a weekly limit under the daily one are shown next to their fields', { timeout: 60_000 }, async () => {
  assert.ok(saved, 'the first test saved the limits');
  await withPage('pacing-invalid', {}, async (page) => {
    await page.goto(`${BASE}/settings/pacing`);
    await expectVisible(page.getByTestId('pacing-form'), 'the pacing form');
    const timezone = page.getByTestId('pacing-timezone');
    await timezone.fill('Mars/Olympus_Mons');
    await expectVisible(page.locator('[data-testid="timezone-feedback"][data-known="false"]'), 'the note that the browser does not know the zone');
    await page.getByTestId('pacing-save').click();
    // The browser lets it through; the server's 422 names the field.
    const error = page.getByTestId('field-error-timezone');
    await expectVisible(error, "the server's error next to the time zone");
    assert.match(await error.textContent(), /\S/, 'the error says something');
    assert.equal(await timezone.getAttribute('aria-invalid'), 'true', 'the time zone is marked invalid');
    assert.equal(await page.getByTestId('form-error').count(), 0, 'no form-level error when the field has the message');
    assert.equal(await versionOf(page), saved.version, 'no new version');
    await screenshot(page, 'pacing-invalid-timezone');

    // Typing clears the error; a weekly limit under the daily one is caught before sending.
    await timezone.fill(saved.value.timezone);
    await expectHidden(error, 'the time zone error once it is changed');
    await page.getByTestId('pacing-linkedin_connections_weekly').fill(String(saved.value.linkedin_connections_daily - 1));
    await page.getByTestId('pacing-save').click();
    await expectText(page.getByTestId('field-error-linkedin_connections_weekly'), 'Must be at least the daily limit.', 'the weekly limit error');

    const now = await json(await api(page, 'GET', '/settings/pacing'), 'GET /settings/pacing');
    assert.equal(now.version, saved.version, 'the refused saves made no version');
    // The server refuses the same order on its own.
    const res = await api(page, 'PUT', '/settings/pacing', { ...saved.value, linkedin_connections_weekly: saved.value.linkedin_connections_daily - 1 });
    assert.equal(res.status(), 422, 'PUT with weekly < daily is refused');
    assert.match(await res.text(), /linkedin_connections_weekly/, 'the refusal names the weekly limit');
  });
});

test("Today's connection gauge shows the new daily limit", { timeout: 60_000 }, async () => {
  assert.ok(saved, 'the first test saved the limits');
  await withPage('pacing-today', {}, async (page) => {
    await page.goto(`${BASE}/today`);
    const gauge = page.getByTestId('gauge-connections_today');
    await expectVisible(gauge, "Today's connection gauge");
    assert.equal(await gauge.getAttribute('data-max'), String(saved.value.linkedin_connections_daily), 'the gauge is out of the new daily limit');
    assert.match(await gauge.textContent(), new RegExp(`/ ${saved.value.linkedin_connections_daily}\\b`), 'the gauge reads "n / limit"');
  });
});

test('an identity shows its warm-up allowance on Settings → Pacing and on Today; a paused one only on Settings', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  const warming = `e2e-pacing-${stamp}@example.com`;
  const paused = `e2e-pacing-paused-${stamp}@example.com`;
  const today = new Date().toISOString().slice(0, 10);
  const body = (from_email, extra) => ({
    from_name: 'E2E Pacing',
    from_email,
    smtp_host: 'smtp.example.com',
    smtp_port: 587,
    smtp_security: 'starttls',
    daily_cap: 40,
    timezone: 'UTC',
    send_window: { start_hour: 0, end_hour: 24, days: [1, 2, 3, 4, 5, 6, 7] },
    ...extra,
  });
  await withPage('pacing-identity', {}, async (page) => {
    const made = await json(
      await api(page, 'POST', '/identities', body(warming, { warmup: { start_date: today, first_day: 3, daily_increase: 2 } })),
      'creating a warming-up identity',
    );
    identityIds.push(made.id);
    const stopped = await json(await api(page, 'POST', '/identities', body(paused, { status: 'paused' })), 'creating a paused identity');
    identityIds.push(stopped.id);

    const picture = await json(await api(page, 'GET', '/pacing'), 'GET /pacing');
    const listed = picture.identities.find((i) => i.identity_id === made.id);
    assert.ok(listed, 'GET /pacing lists the new identity');
    assert.equal(listed.allowance, 3, "the first warm-up day's allowance");

    await page.goto(`${BASE}/settings/pacing`);
    const gauge = page.locator(`[data-testid="identity-gauge"][data-identity-email="${warming}"]`);
    await expectVisible(gauge, `the gauge of ${warming}`);
    assert.equal(await gauge.getAttribute('data-max'), '3', 'out of the allowance');
    assert.equal(await gauge.getAttribute('data-used'), '0', 'nothing sent yet');
    assert.match(await gauge.textContent(), /0 \/ 3/, 'the gauge reads 0 / 3');
    await expectText(gauge.getByTestId('identity-gauge-cap'), 'Cap 40', 'the cap');
    await expectVisible(gauge.getByTestId('identity-gauge-warming'), 'the warming up badge');
    await expectText(gauge.getByTestId('identity-gauge-sending'), '0 in flight', 'what is in flight');
    await expectText(gauge.getByTestId('identity-gauge-remaining'), '3 remaining', 'what is left');
    const pausedGauge = page.locator(`[data-testid="identity-gauge"][data-identity-email="${paused}"]`);
    await expectVisible(pausedGauge, `the gauge of the paused ${paused}`);
    await expectText(pausedGauge.getByTestId('identity-gauge-status'), 'paused', 'the paused badge');
    assert.equal(await pausedGauge.getByTestId('identity-gauge-warming').count(), 0, 'no warm-up: it may send its cap');
    assert.equal(await pausedGauge.getAttribute('data-max'), '40', 'without a warm-up the allowance is the cap');
    await screenshot(page, 'pacing-identities', { fullPage: true });

    await page.goto(`${BASE}/today`);
    const strip = page.getByTestId('today-sending');
    await expectVisible(strip, 'the Sending today strip');
    const todayGauge = strip.locator(`[data-testid="identity-gauge"][data-identity-email="${warming}"]`);
    await expectVisible(todayGauge, `the gauge of ${warming} on Today`);
    assert.equal(await todayGauge.getAttribute('data-max'), '3', "Today's gauge is out of the allowance");
    assert.match(await todayGauge.textContent(), /0 \/ 3/, "Today's gauge reads 0 / 3");
    assert.equal(await strip.locator(`[data-identity-email="${paused}"]`).count(), 0, 'a paused identity is not on Today');
    await screenshot(page, 'pacing-today-strip', { fullPage: true });
  });
});

test('Today leaves the strip out when there is no identity, and the pacing page fits a phone', { timeout: 60_000 }, async () => {
  await withPage('pacing-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.route('**/api/v1/pacing', async (route) => {
      const res = await route.fetch();
      const data = await res.json();
      await route.fulfill({ response: res, json: { ...data, identities: [] } });
    });
    await page.goto(`${BASE}/today`);
    await expectVisible(page.getByTestId('gauge-connections_today'), "Today's LinkedIn gauges");
    // Wait for the pacing answer to have been used, then check the strip is not there.
    await page.waitForLoadState('networkidle');
    assert.equal(await page.getByTestId('today-sending').count(), 0, 'no Sending today strip without identities');

    await page.goto(`${BASE}/settings/pacing`);
    await expectVisible(page.getByTestId('pacing-no-identities'), 'the empty state without identities');
    await expectNoSidewaysScroll(page, 'Settings → Pacing');
  });
});

test('the limits are put back and the identities removed', { timeout: 60_000 }, async () => {
  await withPage('pacing-cleanup', {}, async (page) => {
    for (const id of identityIds) assert.equal((await api(page, 'DELETE', `/identities/${id}`)).status(), 204, `deleting identity ${id}`);
    if (original) {
      const back = await json(await api(page, 'PUT', '/settings/pacing', original), 'putting the pacing limits back');
      assert.deepEqual(back.value, original, 'the limits the run started with');
    }
  });
});
