// Browser tests of Today (the start page): a follow-up and a LinkedIn task marked done leave the
// list and the day's counts follow; a snoozed item leaves and stays away after a reload; a
// positive reply becomes a booked meeting whose Prep card link lands on the contact's prep
// card; a stale item's 409 is shown in a toast and the item comes back; a viewer sees no
// actions; the tasks come first, the numbers beside them (on a phone, one line above). The data is made through the API with unique names and checked there afterwards.
// Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  WAIT_MS,
  api,
  expectHidden,
  expectNoSidewaysScroll,
  expectVisible,
  screenshot,
  setup,
  signInThroughApi,
  uniqueStamp,
  waitForPath,
  withPage,
} from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function makeAccount(page, stamp) {
  return json(
    await api(page, 'POST', '/accounts', { name: `E2E Today ${stamp}`, domain: `today-${stamp}.example`, industry: 'Software' }),
    'creating the account',
  );
}

async function makeContact(page, account, first, stamp, extra = {}) {
  return json(
    await api(page, 'POST', '/contacts', {
      first_name: first,
      last_name: `Today${stamp}`,
      email: `${first.toLowerCase()}.${stamp}@today-${stamp}.example`,
      account_id: account.id,
      ...extra,
    }),
    `creating the contact ${first}`,
  );
}

async function makeFollowup(page, contact, reason) {
  return json(
    await api(page, 'POST', '/followups', {
      contact_id: contact.id,
      channel: 'call',
      due_at: new Date(Date.now() - 3600_000).toISOString(),
      reason,
    }),
    'creating a follow-up',
  );
}

async function queueOf(page) {
  return json(await api(page, 'GET', `/queue?limit=200&tz=${encodeURIComponent('UTC')}`), 'reading the queue');
}

/** The count `name` shown at the top of Today, as a number. */
async function shownCount(page, name) {
  const value = await page.getByTestId(`count-${name}`).getAttribute('data-value');
  return Number(value);
}

async function expectCount(page, name, expected, what) {
  const deadline = Date.now() + WAIT_MS;
  let actual;
  while (Date.now() < deadline) {
    actual = await shownCount(page, name);
    if (actual === expected) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: expected the ${name} count to be ${expected}, it is ${actual}`);
}

const itemLocator = (page, id) => page.locator(`[data-testid="today-item"][data-item-id="${id}"]`);

test('Today is the start page; done and snooze take items off the list and the counts follow', async () => {
  const stamp = uniqueStamp();
  await withPage('today', {}, async (page) => {
    const account = await makeAccount(page, stamp);
    const ann = await makeContact(page, account, 'Ann', stamp);
    const liam = await makeContact(page, account, 'Liam', stamp, { linkedin_url: `https://www.linkedin.com/in/liam-${stamp}` });
    const sam = await makeContact(page, account, 'Sam', stamp);
    const annFollowup = await makeFollowup(page, ann, `Call Ann back ${stamp}`);
    const samFollowup = await makeFollowup(page, sam, `Call Sam back ${stamp}`);
    const message = `Hi Liam, saw the ${stamp} news. Would love to connect.`;
    const draft = await json(
      await api(page, 'POST', '/drafts', { contact_id: liam.id, channel: 'linkedin', body: message, submit: true }),
      'creating a LinkedIn draft',
    );
    await json(await api(page, 'POST', `/drafts/${draft.id}/approve`, {}), 'approving the LinkedIn draft');

    const before = await queueOf(page);
    const ids = before.items.map((i) => i.id);
    for (const id of [`followup:${annFollowup.id}`, `followup:${samFollowup.id}`, `draft:${draft.id}`]) {
      assert.ok(ids.includes(id), `the API's queue should list ${id} (LinkedIn room left: ${before.counts.messages_today}/${before.counts.messages_daily_limit})`);
    }

    // Today (an admin's start page is the Dashboard, which links here from the navigation).
    await page.goto(`${BASE}/dashboard`);
    await page.getByTestId('nav-today').click();
    await waitForPath(page, /^\/today$/, 'Today from the navigation');
    const annItem = itemLocator(page, `followup:${annFollowup.id}`);
    await expectVisible(annItem, "Ann's follow-up in the list");
    assert.equal(await annItem.getByTestId('item-kind').textContent(), 'Follow-up', 'the kind badge');
    assert.equal((await annItem.getByTestId('item-company').textContent()).trim(), account.name, 'the company');
    assert.match(await annItem.getByTestId('item-reason').textContent(), new RegExp(`Call Ann back ${stamp}`), 'the reason');
    assert.match(await annItem.getByTestId('item-due').textContent(), /ago$/, 'a follow-up due an hour ago says so');
    assert.equal(
      await annItem.getByTestId('item-contact').getAttribute('href'),
      `/contacts/${ann.id}`,
      'the contact links to its page',
    );
    await screenshot(page, 'today', { fullPage: true });

    // A follow-up marked done leaves, and the follow-ups count goes down by one.
    const followupsBefore = await shownCount(page, 'followups_due');
    await annItem.getByTestId('item-done').click();
    await expectHidden(annItem, "Ann's follow-up after Done");
    await expectCount(page, 'followups_due', followupsBefore - 1, 'after a follow-up is done');
    const annAfter = await json(await api(page, 'GET', `/followups?contact_id=${ann.id}&status=done`), 'listing follow-ups');
    assert.equal(annAfter.items.find((f) => f.id === annFollowup.id).status, 'done', 'the follow-up is done in the API');

    // The LinkedIn task: the message, the profile in a new tab, and "Mark done" records it.
    const liamItem = itemLocator(page, `draft:${draft.id}`);
    await expectVisible(liamItem, "Liam's LinkedIn task");
    assert.equal((await liamItem.getByTestId('item-message').textContent()).trim(), message, 'the message to send, in full');
    const profile = liamItem.getByTestId('item-linkedin');
    await expectVisible(profile, 'the Open LinkedIn link');
    assert.equal(await profile.getAttribute('href'), liam.linkedin_url, 'the link opens the contact’s profile');
    assert.equal(await profile.getAttribute('target'), '_blank', 'in a new tab');
    const linkedinDone = await shownCount(page, 'linkedin_done_today');
    const linkedinReady = await shownCount(page, 'linkedin_ready');
    const done = liamItem.getByTestId('item-done');
    assert.equal((await done.textContent()).trim(), 'Mark done', 'a LinkedIn task is marked done');
    await done.click();
    await expectHidden(liamItem, "Liam's LinkedIn task after Mark done");
    await expectCount(page, 'linkedin_done_today', linkedinDone + 1, 'after a LinkedIn task is done');
    await expectCount(page, 'linkedin_ready', linkedinReady - 1, 'after a LinkedIn task is done');
    const touches = await json(await api(page, 'GET', `/touchpoints?contact_id=${liam.id}`), 'listing touchpoints');
    assert.equal(touches.items.length, 1, 'one touch recorded for Liam');
    assert.equal(touches.items[0].channel, 'linkedin', 'a LinkedIn touch');

    // Snoozed for an hour: it leaves, and a reload does not bring it back.
    const samItem = itemLocator(page, `followup:${samFollowup.id}`);
    await samItem.getByTestId('item-snooze').click();
    await samItem.getByTestId('snooze-1h').click();
    await expectHidden(samItem, "Sam's follow-up after snoozing");
    await page.reload();
    await expectVisible(page.getByTestId('today-list'), 'the list after a reload');
    assert.equal(await samItem.count(), 0, 'a snoozed item stays away after a reload');
    const after = await queueOf(page);
    assert.ok(!after.items.some((i) => i.id === `followup:${samFollowup.id}`), 'the API agrees the item is snoozed');
    const sam2 = await json(await api(page, 'GET', `/followups?contact_id=${sam.id}`), 'listing follow-ups');
    assert.equal(sam2.items[0].status, 'pending', 'snoozing does not complete the follow-up');
  });
});

test('a positive reply becomes a booked meeting, and the meeting links to the prep card', async () => {
  const stamp = uniqueStamp();
  await withPage('today-book', {}, async (page) => {
    const account = await makeAccount(page, stamp);
    const dee = await makeContact(page, account, 'Dee', stamp);
    const { reply } = await json(
      await api(page, 'POST', '/replies', {
        contact_id: dee.id,
        channel: 'linkedin',
        body: `Yes, happy to talk next week (${stamp}).`,
        intent: 'positive',
      }),
      'logging a positive reply',
    );

    await page.goto(`${BASE}/today`);
    const item = itemLocator(page, `reply:${reply.id}`);
    await expectVisible(item, 'the positive reply in Today');
    assert.equal(await item.getAttribute('data-kind'), 'reply_positive', 'a positive reply item');
    await item.getByTestId('item-book').click();
    // In three hours, so the meeting shows in Today's next 24 hours.
    const when = await page.evaluate(() => {
      const d = new Date(Date.now() + 3 * 3600_000);
      const pad = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    });
    await item.getByTestId('book-when').fill(when);
    await item.getByTestId('book-submit').click();
    await expectHidden(item, 'the reply after booking the meeting');

    const opps = await json(await api(page, 'GET', `/opportunities?contact_id=${dee.id}`), 'listing opportunities');
    assert.equal(opps.items.length, 1, 'one opportunity for Dee');
    assert.equal(opps.items[0].status, 'meeting_booked', 'the meeting is booked');
    assert.equal(opps.items[0].reply_id, reply.id, 'booked from the reply');
    const expected = await page.evaluate((w) => new Date(w).getTime(), when);
    assert.equal(new Date(opps.items[0].meeting_at).getTime(), expected, 'at the time picked');
    const contact = await json(await api(page, 'GET', `/contacts/${dee.id}`), 'reading the contact');
    assert.equal(contact.stage, 'meeting_booked', "Dee's stage follows");

    // The meeting is in Today now; its Prep card link lands on the card.
    const meeting = itemLocator(page, `meeting:${opps.items[0].id}`);
    await expectVisible(meeting, 'the booked meeting in Today');
    await meeting.getByTestId('item-prep').click();
    await waitForPath(page, new RegExp(`^/contacts/${dee.id}$`), "Dee's page");
    assert.equal(new URL(page.url()).hash, '#prep', 'the link keeps #prep');
    await expectVisible(page.getByTestId('prep-next-step'), 'the prep card');
    assert.equal(await page.getByTestId('prep-next-step').getAttribute('data-action'), 'prepare_meeting', 'the next step');
    assert.ok(await page.getByTestId('prep-card').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top < window.innerHeight && r.bottom > 0;
    }), 'the prep card is in view');
  });
});

test('keys move through the list, and d on a call opens its form; the outcome is recorded', async () => {
  const stamp = uniqueStamp();
  await withPage('today-call', {}, async (page) => {
    const account = await makeAccount(page, stamp);
    const cal = await makeContact(page, account, 'Cal', stamp, { phone: '+1 415 555 0100' });
    const draft = await json(
      await api(page, 'POST', '/drafts', { contact_id: cal.id, channel: 'call', body: `Ask Cal about the ${stamp} rollout.`, submit: true }),
      'creating a call script',
    );
    await json(await api(page, 'POST', `/drafts/${draft.id}/approve`, {}), 'approving the call script');

    await page.goto(`${BASE}/today`);
    const item = itemLocator(page, `draft:${draft.id}`);
    await expectVisible(item, "Cal's call");
    assert.equal(await item.getAttribute('data-kind'), 'call', 'a call item');
    await item.getByTestId('item-reason').click();
    await expectVisible(page.locator(`[data-testid="today-item"][data-focused="true"][data-item-id="draft:${draft.id}"]`), 'the call in focus');
    const ids = await page.getByTestId('today-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-item-id')));
    const next = ids[ids.indexOf(`draft:${draft.id}`) + 1];
    if (next) {
      await page.keyboard.press('j');
      await expectVisible(page.locator(`[data-testid="today-item"][data-focused="true"][data-item-id="${next}"]`), 'j moves to the next item');
      await page.keyboard.press('k');
      await expectVisible(page.locator(`[data-testid="today-item"][data-focused="true"][data-item-id="draft:${draft.id}"]`), 'k moves back');
    }
    await page.keyboard.press('d');
    await expectVisible(item.getByTestId('call-form'), 'the call form opened with d');
    await item.getByTestId('call-outcome').selectOption('connected');
    await item.getByTestId('call-minutes').fill('5');
    await item.getByTestId('call-notes').fill(`Talked about the rollout ${stamp}`);
    await item.getByTestId('call-submit').click();
    await expectHidden(item, 'the call after logging it');
    const touches = await json(await api(page, 'GET', `/touchpoints?contact_id=${cal.id}`), 'listing touchpoints');
    assert.equal(touches.items.length, 1, 'one touch for Cal');
    const t = touches.items[0];
    assert.deepEqual(
      [t.channel, t.call_outcome, t.duration_seconds, t.notes],
      ['call', 'connected', 300, `Talked about the rollout ${stamp}`],
      'the call is recorded with its outcome, duration and notes',
    );
  });
});

test('a stale item says why in a toast and comes back', async () => {
  const stamp = uniqueStamp();
  await withPage('today-409', {}, async (page) => {
    const account = await makeAccount(page, stamp);
    const eve = await makeContact(page, account, 'Eve', stamp);
    const followup = await makeFollowup(page, eve, `Stale ${stamp}`);
    await page.goto(`${BASE}/today`);
    const item = itemLocator(page, `followup:${followup.id}`);
    await expectVisible(item, "Eve's follow-up");
    // Someone else completes it meanwhile.
    await json(await api(page, 'POST', `/queue/followup:${followup.id}/done`, {}), 'completing it through the API');
    await item.getByTestId('item-done').click();
    const toast = page.getByTestId('toast').filter({ hasText: 'no longer pending' });
    await expectVisible(toast, 'the 409 message in a toast');
    await expectVisible(item, 'the item back in the list after the refusal');
  });
});

test('a viewer sees the queue without actions, and Today works on a phone', async () => {
  const stamp = uniqueStamp();
  const email = `e2e-today-viewer-${stamp}@example.com`;
  const password = `viewer-pass-${stamp}`;
  let followupId;
  await withPage('today-setup-viewer', {}, async (page) => {
    await json(await api(page, 'POST', '/users', { name: `E2E Today Viewer ${stamp}`, email, role: 'viewer', password }), 'creating a viewer');
    const account = await makeAccount(page, stamp);
    const fay = await makeContact(page, account, 'Fay', stamp);
    followupId = (await makeFollowup(page, fay, `Viewer sees ${stamp}`)).id;
  });
  await withPage('today-viewer', { viewport: PHONE, mobile: true, signedIn: false }, async (page) => {
    await signInThroughApi(page.request, { email, password });
    await page.goto(`${BASE}/today`);
    const item = itemLocator(page, `followup:${followupId}`);
    await expectVisible(item, 'the follow-up in a viewer’s Today');
    assert.equal(await page.getByTestId('item-done').count(), 0, 'a viewer gets no Done');
    assert.equal(await page.getByTestId('item-snooze').count(), 0, 'a viewer gets no Snooze');
    assert.equal(await page.getByTestId('item-book').count(), 0, 'a viewer gets no Book meeting');
    await expectVisible(page.getByTestId('gauge-connections_today'), 'the LinkedIn gauges');
    await expectNoSidewaysScroll(page, 'Today');
    // On a phone the tasks come first: what waits is one line above them, the rest after them.
    const strip = await page.getByTestId('today-strip').boundingBox();
    assert.ok(strip && strip.height <= 40, `what waits in one line: ${JSON.stringify(strip)}`);
    const first = await page.getByTestId('today-item').first().boundingBox();
    const counts = await page.getByTestId('today-counts').boundingBox();
    assert.ok(first && counts && first.y < counts.y, 'the first task above the numbers');
    assert.ok(first.y < PHONE.height, `the first task on the first screen, at ${first.y}`);
    await screenshot(page, 'phone-today-viewer', { fullPage: false });
  });
});

test('on a wide screen Today shows its tasks first, the numbers beside them', async () => {
  await withPage('today-wide', {}, async (page) => {
    await page.goto(`${BASE}/today?scope=team`);
    await expectVisible(page.getByTestId('today-item').first(), 'the first task');
    const first = await page.getByTestId('today-item').first().boundingBox();
    const counts = await page.getByTestId('today-counts').boundingBox();
    assert.ok(first.x + first.width <= counts.x, `the numbers beside the tasks: ${JSON.stringify({ first, counts })}`);
    assert.ok(first.y < 300, `the first task near the top, at ${first.y}`);
    assert.equal(await page.getByTestId('today-strip').isVisible(), false, 'no one-line summary beside the full numbers');
  });
});
