// Browser tests of an account's page beyond its facts: its opportunities (status, amount, the
// person with a link), its signals and its people's (each person named, fresh first and newest
// first, an expired one marked) and its activity (a call, a reply and a meeting of its people, newest
// first, in words, each naming the person), with nothing of another account's people; and the
// page on a phone. The data is made through the API with unique names. Needs OCC_E2E_URL,
// OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, uniqueStamp, withPage } from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An account with two people (Ada, Bo) and another account with one (Cy), and their records. */
async function accountWithActivity(page, stamp) {
  const make = async (name) => json(await api(page, 'POST', '/accounts', { name, domain: `${name.toLowerCase().replace(/\W+/g, '-')}.example` }), `creating ${name}`);
  const account = await make(`E2E Account page ${stamp}`);
  const other = await make(`E2E Other ${stamp}`);
  const person = async (first, at) =>
    json(await api(page, 'POST', '/contacts', { first_name: first, last_name: `P${stamp}`, account_id: at.id }), `creating ${first}`);
  const ada = await person('Ada', account);
  const bo = await person('Bo', account);
  const cy = await person('Cy', other);
  const signal = (body) => api(page, 'POST', '/signals', { kind: 'news', strength: 3, ...body });
  await json(await signal({ account_id: account.id, title: `Raised a round ${stamp}`, occurred_at: '2026-10-01T09:00:00Z' }), 'the account signal');
  await json(await signal({ contact_id: ada.id, kind: 'job_change', title: `Ada promoted ${stamp}`, occurred_at: '2026-10-05T09:00:00Z' }), "Ada's signal");
  await json(
    await signal({ contact_id: bo.id, title: `Bo spoke ${stamp}`, occurred_at: '2026-10-10T09:00:00Z', expires_at: '2026-10-11T09:00:00Z' }),
    "Bo's expired signal",
  );
  await json(await signal({ contact_id: cy.id, title: `Cy elsewhere ${stamp}`, occurred_at: '2026-10-06T09:00:00Z' }), "Cy's signal");
  // The activity, oldest first: a call with Bo, a reply from Ada, a meeting booked with Ada; and a call with Cy.
  await json(await api(page, 'POST', '/touchpoints', { contact_id: bo.id, kind: 'call', call_outcome: 'connected', notes: `Spoke with Bo ${stamp}` }), 'the call');
  await json(await api(page, 'POST', '/touchpoints', { contact_id: cy.id, kind: 'call', call_outcome: 'voicemail' }), "Cy's call");
  await json(await api(page, 'POST', '/replies', { contact_id: ada.id, channel: 'email', body: `Send me more details ${stamp}, please.` }), 'the reply');
  const meetingAt = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const opp = await json(
    await api(page, 'POST', '/opportunities', { contact_id: ada.id, meeting_at: meetingAt, amount_minor: 1_250_000, currency: 'EUR', notes: `Intro ${stamp}` }),
    'the meeting',
  );
  await json(await api(page, 'POST', '/opportunities', { contact_id: cy.id, meeting_at: meetingAt }), "Cy's meeting");
  return { account, ada, bo, cy, opp };
}

test("an account's page shows its opportunities, its and its people's signals, and its people's activity", { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('account-page', {}, async (page) => {
    const { account, ada, bo, opp } = await accountWithActivity(page, stamp);
    await page.goto(`${BASE}/accounts/${account.id}`);
    await expectText(page.getByTestId('account-name'), account.name, 'the account');

    // Opportunities: Ada's meeting with its status, amount and person.
    const opps = page.getByTestId('account-opportunities');
    const row = opps.locator(`[data-testid="account-opp"][data-opportunity-id="${opp.id}"]`);
    await expectVisible(row, "Ada's meeting");
    assert.equal(await opps.getByTestId('account-opp').count(), 1, "only the account's opportunities");
    await expectText(row.getByTestId('opp-status'), 'Meeting booked', 'its status');
    const amount = await page.evaluate(() => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(12500));
    await expectText(row.getByTestId('account-opp-amount'), amount, 'its amount');
    await expectText(row.getByTestId('account-opp-contact'), `Ada P${stamp}`, 'its person');
    assert.equal(await row.getByTestId('account-opp-contact').getAttribute('href'), `/contacts/${ada.id}#prep`, "the link to Ada's prep card");

    // Signals: the account's and its people's, fresh first (Bo's, the newest, has expired), then
    // newest first, a person's named; none of Cy's.
    const signals = page.getByTestId('account-signals');
    await expectVisible(signals.getByTestId('signal'), 'the signals');
    const titles = (await signals.getByTestId('signal-title').allTextContents()).map((t) => t.trim());
    assert.deepEqual(titles, [`Ada promoted ${stamp}`, `Raised a round ${stamp}`, `Bo spoke ${stamp}`], 'fresh first, newest first, nothing of Cy');
    const adaSignal = signals.getByTestId('signal').filter({ hasText: `Ada promoted ${stamp}` });
    await expectText(adaSignal.getByTestId('signal-person'), `Ada P${stamp}`, 'the person named');
    assert.equal(await adaSignal.getByTestId('signal-person').getAttribute('href'), `/contacts/${ada.id}`);
    await expectVisible(signals.getByTestId('signal').filter({ hasText: `Raised a round ${stamp}` }).getByTestId('signal-company'), 'the company signal marked');
    await expectVisible(signals.locator('.signal.is-expired').filter({ hasText: `Bo spoke ${stamp}` }), "Bo's expired signal, dimmed");
    assert.equal(await signals.getByTestId('signal-delete').count(), 0, 'signals are deleted on the contact page');

    // Activity: the meeting, the reply, the call, newest first, each naming the person.
    const activity = page.getByTestId('account-activity');
    await expectVisible(activity.getByTestId('timeline-entry'), 'the activity');
    const entries = await activity.getByTestId('timeline-entry').evaluateAll((els) =>
      els.map((e) => [e.dataset.kind, e.querySelector('[data-testid="activity-person"]')?.textContent.trim(), e.querySelector('[data-testid="timeline-title"]').textContent.trim()]),
    );
    assert.deepEqual(
      entries,
      [
        ['opportunity', `Ada P${stamp}`, 'meeting booked'],
        ['reply', `Ada P${stamp}`, entries[1][2]],
        ['touch', `Bo P${stamp}`, 'call'],
      ],
      'the meeting, the reply and the call, newest first, nothing of Cy',
    );
    const call = activity.getByTestId('timeline-entry').filter({ hasText: 'call' }).last();
    await expectText(call.getByTestId('timeline-detail'), 'connected', "the call's outcome in words");
    assert.equal(await activity.getByTestId('activity-person').last().getAttribute('href'), `/contacts/${bo.id}`);
    await screenshot(page, 'account-page', { fullPage: true });
  });
});

test("an account's page with nothing yet says so, and fits a phone", { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('account-page-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const empty = await json(await api(page, 'POST', '/accounts', { name: `E2E Empty ${stamp}` }), 'creating an empty account');
    await page.goto(`${BASE}/accounts/${empty.id}`);
    await expectVisible(page.getByTestId('account-opps-empty'), 'no opportunities yet');
    await expectVisible(page.getByTestId('account-signals-empty'), 'no signals yet');
    await expectVisible(page.getByTestId('account-activity-empty'), 'no activity yet');
    const { account } = await accountWithActivity(page, `${stamp}p`);
    await page.goto(`${BASE}/accounts/${account.id}`);
    await expectVisible(page.getByTestId('account-activity').getByTestId('timeline-entry'), 'the activity on a phone');
    await expectNoSidewaysScroll(page, "the account's page");
    await screenshot(page, 'account-page-phone', { fullPage: true });
  });
});
