// Browser tests of Today's tasks and emails: a LinkedIn task shows its whole message with Copy
// message, and skipped with a reason it leaves the list and stays gone after a reload (its
// draft archived); a call shows its number as a tel: link and its script folded in the item and
// open in the call form, and x skips it; an email's Send now shows the server's refusal next to
// it and keeps it (the test server has no OCC_PUBLIC_URL, so sending is not configured), and a
// Skip the server refuses brings the item back with the 409 in a toast; the demo's interrupted
// send is settled with "It was not sent". The tasks are made through the API with unique names;
// the interrupted send comes from the demo data. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, eventually, expectHidden, expectText, expectVisible, screenshot, setup, uniqueStamp, withPage } from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A contact of a new account, with a unique email address and the `extra` fields. */
async function makeContact(page, first, stamp, extra = {}) {
  const account = await json(
    await api(page, 'POST', '/accounts', { name: `E2E Tasks ${first} ${stamp}`, domain: `tasks-${first.toLowerCase()}-${stamp}.example` }),
    'creating the account',
  );
  return json(
    await api(page, 'POST', '/contacts', {
      first_name: first,
      last_name: `Tasks${stamp}`,
      email: `${first.toLowerCase()}.${stamp}@tasks-${first.toLowerCase()}-${stamp}.example`,
      account_id: account.id,
      ...extra,
    }),
    `creating the contact ${first}`,
  );
}

/** An approved draft for `contact` on `channel` (`fields`: body, subject). */
async function approvedDraft(page, contact, channel, fields) {
  const draft = await json(await api(page, 'POST', '/drafts', { contact_id: contact.id, channel, submit: true, ...fields }), `creating a ${channel} draft`);
  await json(await api(page, 'POST', `/drafts/${draft.id}/approve`, {}), `approving the ${channel} draft`);
  return draft;
}

async function queueItems(page) {
  return (await json(await api(page, 'GET', '/queue?scope=team&limit=200&tz=UTC'), 'reading the queue')).items;
}

const itemLocator = (page, id, kind) =>
  page.locator(`[data-testid="today-item"][data-item-id="${id}"]${kind ? `[data-kind="${kind}"]` : ''}`);

test('a LinkedIn task shows its whole message to copy, and skipped with a reason it leaves for good', async () => {
  const stamp = uniqueStamp();
  await withPage('today-linkedin-skip', {}, async (page, context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
    const lee = await makeContact(page, 'Lee', stamp, { linkedin_url: `https://www.linkedin.com/in/lee-${stamp}` });
    // Longer than the 160 characters of an excerpt, on two lines.
    const message = `Hi Lee, I saw the ${stamp} launch and the hiring push behind it; congratulations.\n` +
      'We help revenue teams keep their outreach personal at volume, and I would love to compare notes on how you ramp new reps.';
    const draft = await approvedDraft(page, lee, 'linkedin', { body: message });
    const listed = (await queueItems(page)).find((i) => i.id === `draft:${draft.id}`);
    assert.ok(listed, 'the queue should list the LinkedIn task (is there LinkedIn room left today?)');
    assert.equal(listed.body, message, "the queue carries the task's whole message");

    await page.goto(`${BASE}/today?scope=team`);
    const item = itemLocator(page, `draft:${draft.id}`);
    await expectVisible(item, "Lee's LinkedIn task");
    assert.equal(await item.getByTestId('item-message').textContent(), message, 'the whole message is shown');
    await expectVisible(item.getByTestId('item-linkedin'), 'Open LinkedIn next to the message');
    await item.getByTestId('item-copy').click();
    await expectVisible(page.getByTestId('toast').filter({ hasText: /^Copied/ }), 'the Copied toast');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), message, 'the clipboard holds the message');

    const reason = `Already talked at the ${stamp} meetup`;
    await item.getByTestId('item-skip').click();
    const form = item.getByTestId('skip-form');
    await expectVisible(form, 'the skip form');
    await form.getByTestId('skip-reason').fill(reason);
    await screenshot(page, 'today-skip', { fullPage: false });
    await form.getByTestId('skip-submit').click();
    await expectHidden(item, 'the LinkedIn task after skipping it');
    await expectVisible(page.getByTestId('toast').filter({ hasText: `Skipped: ${lee.first_name}` }), 'the Skipped toast');

    await page.reload();
    await expectVisible(page.getByTestId('today-counts'), 'Today after a reload');
    assert.equal(await item.count(), 0, 'a skipped task stays away after a reload');
    assert.ok(!(await queueItems(page)).some((i) => i.id === `draft:${draft.id}`), 'the API no longer lists the task');
    const archived = await json(await api(page, 'GET', `/drafts?contact_id=${lee.id}&approval_status=archived`), 'listing archived drafts');
    const skipped = archived.items.find((d) => d.id === draft.id);
    assert.ok(skipped, 'the skipped draft is archived');
    assert.match(skipped.notes || '', new RegExp(reason), 'the reason is kept with the draft');
  });
});

test('a call shows its script in the item and in the call form, and x skips it', async () => {
  const stamp = uniqueStamp();
  await withPage('today-call-script', {}, async (page) => {
    const cy = await makeContact(page, 'Cy', stamp, { phone: '+1 415 555 0199' });
    const script = `Opener: congratulate Cy on the ${stamp} rollout and ask how the team adopted it.\n` +
      'Problem: ask how they keep sequences personal once volume grows past a hundred a day.\n' +
      'Close: suggest a 20 minute call next week to compare notes.';
    const draft = await approvedDraft(page, cy, 'call', { body: script });

    await page.goto(`${BASE}/today?scope=team`);
    const item = itemLocator(page, `draft:${draft.id}`, 'call');
    await expectVisible(item, "Cy's call");
    const phone = item.getByTestId('item-phone');
    await expectText(phone, '+1 415 555 0199', 'the number to call, as written');
    assert.equal(await phone.getAttribute('href'), 'tel:+14155550199', 'a tap dials it');
    const folded = item.getByTestId('item-script');
    assert.equal(await folded.evaluate((d) => d.open), false, 'the script starts folded');
    await folded.locator('summary').click();
    await expectVisible(item.getByTestId('item-script-text'), 'the unfolded script');
    assert.equal(await item.getByTestId('item-script-text').textContent(), script, 'the whole script in the item');

    await item.getByTestId('item-done').click();
    await expectVisible(item.getByTestId('call-form'), 'the call form');
    assert.equal(await item.getByTestId('call-form-script').textContent(), script, 'the script in the call form');
    await item.getByRole('button', { name: 'Cancel' }).click();
    await expectHidden(item.getByTestId('call-form'), 'the call form after Cancel');

    // x on the focused call opens the skip form with the reason ready; Enter skips without one.
    await item.getByTestId('item-reason').click();
    await expectVisible(page.locator(`[data-testid="today-item"][data-focused="true"][data-item-id="draft:${draft.id}"]`), 'the call in focus');
    await page.keyboard.press('x');
    const reason = item.getByTestId('skip-reason');
    await expectVisible(reason, 'the skip form opened with x');
    assert.ok(await reason.evaluate((el) => el === document.activeElement), 'the reason has the focus');
    await page.keyboard.press('Enter');
    await expectHidden(item, 'the call after skipping it');
    // The item leaves the list as the skip is sent; the archive follows its answer.
    await eventually(async () => {
      const archived = await json(await api(page, 'GET', `/drafts?contact_id=${cy.id}&approval_status=archived`), 'listing archived drafts');
      return archived.items.some((d) => d.id === draft.id);
    }, 'the skipped call script archived');
  });
});

test('an approved call whose contact lost their number says so, with where to add one', async () => {
  const stamp = uniqueStamp();
  await withPage('today-call-no-phone', {}, async (page) => {
    const di = await makeContact(page, 'Di', stamp, { phone: '+1 415 555 0142' });
    const draft = await approvedDraft(page, di, 'call', { body: `Ask Di about the ${stamp} launch.` });
    await json(await api(page, 'PATCH', `/contacts/${di.id}`, { phone: null }), 'removing the number');
    await page.goto(`${BASE}/today?scope=team`);
    const item = itemLocator(page, `draft:${draft.id}`, 'call');
    await expectVisible(item.getByTestId('item-no-phone'), 'the note that there is no number');
    assert.equal(await item.getByTestId('item-phone').count(), 0, 'no number to dial');
    assert.equal(await item.getByTestId('item-no-phone').locator('a').getAttribute('href'), `/contacts/${di.id}/edit`);
  });
});

test("an email's Send now shows why it cannot go and keeps the email; a refused Skip brings it back", async () => {
  const stamp = uniqueStamp();
  await withPage('today-send-now', {}, async (page) => {
    const em = await makeContact(page, 'Em', stamp);
    const subject = `The ${stamp} rollout`;
    const draft = await approvedDraft(page, em, 'email', { subject, body: `Hi Em,\n\nQuick question about the ${stamp} rollout.` });

    await page.goto(`${BASE}/today?scope=team`);
    const item = itemLocator(page, `draft:${draft.id}`, 'email');
    await expectVisible(item, "Em's email");
    await item.getByTestId('item-send-now').click();
    const error = item.getByTestId('item-send-error');
    await expectVisible(error, "the server's refusal next to the email");
    assert.match(
      (await error.textContent()) || '',
      /OCC_PUBLIC_URL/,
      'the e2e server has no OCC_PUBLIC_URL, so the refusal (503) says to set it',
    );
    const said = (await error.innerText()).trim();
    assert.match(said, /^Not sent: /, `said once, as a sentence: ${said}`);
    assert.doesNotMatch(said, /not sent:.*not sent:/is, `"not sent" said once: ${said}`);
    assert.doesNotMatch(said, /request/i, `no request id in what the rep reads: ${said}`);
    await expectHidden(error.getByTestId('error-request-id'), 'the request id, folded under "Details for support"');
    await error.getByTestId('error-support').locator('summary').click();
    await expectVisible(error.getByTestId('error-request-id'), 'the request id once the details are opened');
    await expectVisible(item.getByTestId('item-send-now'), 'Send now again after the refusal');
    await screenshot(page, 'today-send-now-refused', { fullPage: false });
    await page.reload();
    await expectVisible(item, 'the email still in the list after a reload');

    // Someone archives it meanwhile: the skip is refused (409), said in a toast, and the email comes back.
    await json(await api(page, 'POST', `/drafts/${draft.id}/archive`, {}), 'archiving the draft through the API');
    await item.getByTestId('item-skip').click();
    await item.getByTestId('skip-submit').click();
    await expectVisible(page.getByTestId('toast').filter({ hasText: 'only an approved one can be skipped' }), 'the 409 message in a toast');
    await expectVisible(item, 'the email back in the list after the refusal');
  });
});

test('the interrupted send in the demo data is settled with "It was not sent" and leaves the list', async () => {
  await withPage('today-send-check', {}, async (page) => {
    const items = await queueItems(page);
    const check = items.find((i) => i.kind === 'send_check');
    assert.ok(
      check,
      `the demo data should put one interrupted send (kind send_check) in Today, the queue has none (kinds: ${[...new Set(items.map((i) => i.kind))].join(', ')})`,
    );
    assert.ok(check.touchpoint_id, 'a send to check names its touchpoint');

    await page.goto(`${BASE}/today?scope=team`);
    const item = itemLocator(page, check.id, 'send_check');
    await expectVisible(item, 'the send to check');
    assert.equal(await item.getByTestId('item-kind').textContent(), 'Check send', 'the kind badge');
    assert.equal(((await item.getByTestId('item-excerpt').textContent()) || '').trim(), (check.excerpt || '').trim(), 'what went wrong is shown');
    await expectVisible(item.getByTestId('item-resolve-sent'), '"It was sent"');
    assert.equal(await item.getByTestId('item-done').count(), 0, 'no Done for a send to check');
    assert.equal(await item.getByTestId('item-skip').count(), 0, 'no Skip for a send to check');
    await screenshot(page, 'today-send-check', { fullPage: false });

    await item.getByTestId('item-resolve-failed').click();
    await expectHidden(item, 'the send to check after "It was not sent"');
    await expectVisible(page.getByTestId('toast').filter({ hasText: 'Marked as not sent' }), 'the toast');
    await page.reload();
    await expectVisible(page.getByTestId('today-counts'), 'Today after a reload');
    assert.equal(await item.count(), 0, 'the settled send stays off the list');
    const touches = await json(await api(page, 'GET', `/touchpoints?contact_id=${check.contact_id}&limit=100`), 'listing touchpoints');
    const touch = touches.items.find((t) => t.id === check.touchpoint_id);
    assert.ok(touch, 'the touchpoint is listed for the contact');
    assert.equal(touch.status, 'failed', 'the touchpoint is settled as not sent');
  });
});
