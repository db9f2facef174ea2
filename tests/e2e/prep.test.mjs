// Browser tests of a contact's prep card and timeline: the card is in view at 1280 px with the
// next step, talking points, the company's facts and the signals (fresh first); a reply logged
// by hand shows its classified intent and effects, and the card's next step and timeline
// follow; a meeting booked from the page shows as the open opportunity; a second booking's 409
// is shown in the dialog; a contact just enrolled has the sequence's first step next; on a Friday
// the meeting dialog proposes Monday; a suppression shows in the timeline in words. Checked in
// the API too. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo
// user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  WAIT_MS,
  api,
  expectHidden,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  screenshot,
  setup,
  uniqueStamp,
  withPage,
} from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A contact at a described company, with a fresh and an expired signal and one call made. */
async function makeContact(page, stamp) {
  const account = await json(
    await api(page, 'POST', '/accounts', {
      name: `E2E Prep ${stamp}`,
      domain: `prep-${stamp}.example`,
      industry: 'Fintech',
      employee_count: 240,
      country: 'DE',
      website: `https://prep-${stamp}.example`,
      tech_stack: ['Salesforce', 'Snowflake'],
    }),
    'creating the account',
  );
  const contact = await json(
    await api(page, 'POST', '/contacts', {
      first_name: 'Pia',
      last_name: `Prep${stamp}`,
      title: 'VP Sales',
      email: `pia.${stamp}@prep-${stamp}.example`,
      linkedin_url: `https://www.linkedin.com/in/pia-${stamp}`,
      account_id: account.id,
    }),
    'creating the contact',
  );
  const day = 24 * 3600_000;
  await json(
    await api(page, 'POST', '/signals', {
      contact_id: contact.id,
      kind: 'news',
      strength: 5,
      title: `Old news ${stamp}`,
      occurred_at: new Date(Date.now() - 60 * day).toISOString(),
      expires_at: new Date(Date.now() - 30 * day).toISOString(),
    }),
    'adding an expired signal',
  );
  await json(
    await api(page, 'POST', '/signals', { contact_id: contact.id, kind: 'funding', strength: 3, title: `Raised a Series B ${stamp}` }),
    'adding a fresh signal',
  );
  // A call made: the contact is touched, so a reply can move the stage.
  await json(
    await api(page, 'POST', '/touchpoints', {
      contact_id: contact.id,
      kind: 'call',
      call_outcome: 'voicemail',
      notes: `Left a voicemail ${stamp}`,
      idempotency_key: `prep-call-${stamp}`,
    }),
    'recording a call',
  );
  return { account, contact };
}

async function waitForAction(page, action, what) {
  const step = page.getByTestId('prep-next-step');
  const deadline = Date.now() + WAIT_MS;
  let actual;
  while (Date.now() < deadline) {
    actual = await step.getAttribute('data-action').catch(() => null);
    if (actual === action) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: the next step should be ${action}, it is ${actual}`);
}

async function timelineKinds(page) {
  return page.getByTestId('timeline-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
}

test('the prep card shows the next step and facts; a logged reply and a booked meeting update it and the timeline', async () => {
  const stamp = uniqueStamp();
  await withPage('prep', {}, async (page) => {
    const { account, contact } = await makeContact(page, stamp);
    await page.goto(`${BASE}/contacts/${contact.id}`);

    const card = page.getByTestId('prep-card');
    await expectVisible(page.getByTestId('prep-next-step'), 'the next step on the prep card');
    const box = await card.boundingBox();
    assert.ok(box && box.y < 800 && box.x > 640, `the prep card should be in the right column and in view at 1280×800, it is at ${JSON.stringify(box)}`);
    await waitForAction(page, 'enroll', 'a touched contact in no sequence');
    assert.match(await page.getByTestId('prep-next-reason').textContent(), /Not in a sequence/, 'the reason');
    await expectText(page.getByTestId('prep-account-industry'), 'Fintech', 'the industry');
    await expectText(page.getByTestId('prep-account-size'), '240 people', 'the size');
    await expectText(page.getByTestId('prep-account-country'), 'DE', 'the country');
    assert.deepEqual(
      (await page.getByTestId('prep-tech-stack').locator('li').allTextContents()).map((t) => t.trim()),
      ['Salesforce', 'Snowflake'],
      'the tech stack',
    );
    const points = await page.getByTestId('prep-talking-points').locator('li').allTextContents();
    assert.ok(points.some((p) => p.includes(`Raised a Series B ${stamp}`)), `a talking point from the fresh signal: ${JSON.stringify(points)}`);
    const signals = await page.getByTestId('prep-signal').evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('data-fresh')]));
    assert.equal(signals.length, 2, 'both signals on the card');
    assert.ok(signals[0][0].includes(`Raised a Series B ${stamp}`) && signals[0][1] === 'true', `the fresh signal first: ${JSON.stringify(signals)}`);
    assert.equal(signals[1][1], 'false', 'the expired one after it');

    // The timeline: the call, and the stage it moved.
    await expectVisible(page.getByTestId('timeline-entry'), 'the timeline');
    const before = await timelineKinds(page);
    assert.ok(before.includes('touch'), `the call in the timeline: ${before}`);
    const touch = page.locator('[data-testid="timeline-entry"][data-kind="touch"]');
    assert.match(await touch.textContent(), /call/, 'the touch says it was a call');
    assert.match(await touch.textContent(), /voicemail/, 'and how it went');
    await screenshot(page, 'prep-card');

    // A LinkedIn reply logged by hand.
    const text = `Yes, this sounds great, let's talk next week. (${stamp})`;
    await page.getByTestId('log-reply').click();
    const dialog = page.getByTestId('log-reply-dialog');
    await expectVisible(dialog.getByTestId('reply-body'), 'the Log reply form');
    await dialog.getByTestId('reply-channel').selectOption('linkedin');
    await dialog.getByTestId('reply-body').fill(text);
    await dialog.getByTestId('reply-submit').click();
    await expectVisible(dialog.getByTestId('reply-result'), 'what the reply changed');
    assert.equal(await dialog.getByTestId('reply-intent').getAttribute('data-intent'), 'positive', 'classified as positive');
    assert.match(await dialog.getByTestId('reply-effects').textContent(), /Stage moved to/, 'the stage effect is said');
    await screenshot(page, 'prep-reply-logged');
    await dialog.getByTestId('reply-close').click();
    await expectHidden(dialog.getByTestId('reply-result'), 'the dialog after Done');

    await waitForAction(page, 'answer_reply', 'after a positive reply');
    assert.match(await page.getByTestId('prep-next-reason').textContent(), /said yes/, 'the next step says they said yes');
    const reply = page.locator('[data-testid="timeline-entry"][data-kind="reply"]');
    await expectVisible(reply, 'the reply in the timeline');
    assert.match(await reply.textContent(), new RegExp(`\\(${stamp}\\)`), 'with what they said');
    assert.match(await reply.textContent(), /linkedin/, 'and its channel');
    const kinds = await timelineKinds(page);
    assert.deepEqual(kinds.slice(0, 2).sort(), ['reply', 'stage'], `the reply and the stage it moved are the newest entries: ${kinds}`);
    const stageTitles = await page.locator('[data-testid="timeline-entry"][data-kind="stage"] [data-testid="timeline-title"]').allTextContents();
    assert.ok(stageTitles.includes('touched → replied positive'), `the stage change in the timeline: ${JSON.stringify(stageTitles)}`);
    const times = await page.getByTestId('timeline-entry').locator('time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    assert.deepEqual(times, [...times].sort().reverse(), 'the timeline is newest first');
    const replies = await json(await api(page, 'GET', `/replies?contact_id=${contact.id}`), 'listing replies');
    assert.equal(replies.items.length, 1, 'one reply in the API');
    assert.equal(replies.items[0].channel, 'linkedin', 'on LinkedIn');
    const after = await json(await api(page, 'GET', `/contacts/${contact.id}`), 'reading the contact');
    assert.equal(after.stage, 'replied_positive', 'the stage in the API');

    // A meeting booked from the page: the opportunity shows on the card, the reply is handled.
    await page.getByTestId('book-meeting').click();
    const book = page.getByTestId('book-meeting-dialog');
    await expectVisible(book.getByTestId('meeting-at'), 'the Book meeting form');
    await book.getByTestId('meeting-notes').fill(`Discovery ${stamp}`);
    await book.getByTestId('meeting-submit').click();
    await expectVisible(page.getByTestId('prep-opportunity'), 'the open opportunity on the card');
    await waitForAction(page, 'prepare_meeting', 'after booking');
    await expectText(page.getByTestId('prep-opportunity-status'), 'Meeting booked', 'the opportunity status');
    assert.equal(await page.getByTestId('book-meeting').count(), 0, 'no second Book meeting while one is open');
    await expectVisible(page.locator('[data-testid="timeline-entry"][data-kind="opportunity"]'), 'the opportunity in the timeline');
    const opps = await json(await api(page, 'GET', `/opportunities?contact_id=${contact.id}`), 'listing opportunities');
    assert.equal(opps.items.length, 1, 'one opportunity');
    assert.equal(opps.items[0].reply_id, replies.items[0].id, 'booked from the waiting reply');
    assert.equal(opps.items[0].notes, `Discovery ${stamp}`, 'with its notes');
    assert.equal(opps.items[0].account_name, account.name, 'at the account');
  });
});

test('a second booking is refused with the server’s message, and the page works on a phone', async () => {
  const stamp = uniqueStamp();
  await withPage('prep-409', { viewport: PHONE, mobile: true }, async (page) => {
    const { contact } = await makeContact(page, stamp);
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await expectVisible(page.getByTestId('prep-next-step'), 'the prep card');
    await page.getByTestId('book-meeting').click();
    // Someone books meanwhile.
    await json(await api(page, 'POST', '/opportunities', { contact_id: contact.id }), 'booking through the API');
    const book = page.getByTestId('book-meeting-dialog');
    await book.getByTestId('meeting-submit').click();
    const error = book.getByTestId('form-error');
    await expectVisible(error, 'the 409 in the dialog');
    assert.match(await error.textContent(), /open/i, `the server's message: ${await error.textContent()}`);
    await expectNoSidewaysScroll(page, 'the contact page');
    await screenshot(page, 'phone-prep-409');
  });
});

test('a contact just enrolled shows the first step as the next one, on the card and in its reason', async () => {
  const stamp = uniqueStamp();
  await withPage('prep-step', {}, async (page) => {
    const { contact } = await makeContact(page, stamp);
    const steps = [
      { day_offset: 2, kind: 'email', subject: 'Hello {{first_name}}', template: 'Hi {{first_name}}.' },
      { day_offset: 4, kind: 'call', template: 'Call {{first_name}}' },
      { day_offset: 7, kind: 'email', subject: 'Last note', template: 'Bye {{first_name}}.' },
    ];
    const sequence = await json(await api(page, 'POST', '/sequences', { name: `E2E Steps ${stamp}`, steps }), 'creating the sequence');
    await json(await api(page, 'POST', '/enrollments', { sequence_id: sequence.id, contact_id: contact.id }), 'enrolling');
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await waitForAction(page, 'wait', 'a contact whose first step is due in two days');
    await expectText(page.getByTestId('prep-enrollment-step'), 'Step 1 of 3', 'the sequence block');
    assert.equal(
      (await page.getByTestId('prep-next-reason').textContent()).trim(),
      `Step 1 of 3 in E2E Steps ${stamp} is next`,
      'the next step names the first step',
    );
  });
});

test('on a Friday the Book meeting dialog proposes Monday morning, not the weekend', async () => {
  const stamp = uniqueStamp();
  await withPage('prep-weekday', {}, async (page) => {
    const { contact } = await makeContact(page, stamp);
    // Friday 4 December 2026, 15:00 in the browser's time zone.
    await page.clock.setFixedTime(new Date(2026, 11, 4, 15, 0));
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await page.getByTestId('book-meeting').click();
    const at = page.getByTestId('book-meeting-dialog').getByTestId('meeting-at');
    await expectVisible(at, 'the Book meeting form');
    assert.equal(await at.inputValue(), '2026-12-07T10:00', 'Monday at 10:00');
  });
});

test("a suppression shows in the contact's timeline in words", async () => {
  const stamp = uniqueStamp();
  await withPage('prep-suppressed', {}, async (page) => {
    const { contact } = await makeContact(page, stamp);
    await json(await api(page, 'POST', '/suppression', { email: contact.email }), 'suppressing the address');
    await page.goto(`${BASE}/contacts/${contact.id}`);
    const entry = page.locator('[data-testid="timeline-entry"][data-kind="suppression"]');
    await expectVisible(entry, 'the suppression in the timeline');
    await expectText(entry.getByTestId('timeline-title'), 'Added to the suppression list', 'what happened, in words');
    await expectText(entry.getByTestId('timeline-detail'), 'by a person in OCC', 'who did it, in words');
  });
});
