// Browser tests of Opportunities: a row's status moved from the list (and the contact's stage
// following it), the status filter, the edit dialog's amount and notes, a stale move refused by
// the server (409) with its message, and a new opportunity made by picking a contact (its meeting
// still ahead, so not offered as held), with the 409 for a contact that already has an open one;
// at 1280 and 1440 px the Opportunities and Contacts tables fit their cards. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, expectHidden, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

async function contactWithOpportunity(page, stamp) {
  const contact = await json(await api(page, 'POST', '/contacts', { first_name: 'Opp', last_name: stamp, title: 'CFO' }), 'creating a contact');
  const opp = await json(
    // A meeting that began an hour ago, so it may be marked held.
    await api(page, 'POST', '/opportunities', { contact_id: contact.id, meeting_at: new Date(Date.now() - 3600_000).toISOString() }),
    'booking a meeting',
  );
  assert.equal(opp.status, 'meeting_booked', 'a new opportunity is meeting_booked');
  return { contact, opp };
}

const rowOf = (page, id) => page.locator(`[data-testid="row"][data-opp-id="${id}"]`);

test("an opportunity's status moves from the list, and its contact's stage follows", { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('opportunities', {}, async (page) => {
    const { contact, opp } = await contactWithOpportunity(page, stamp);
    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-opportunities').click();
    await waitForPath(page, /^\/opportunities$/, 'the opportunities list');
    const row = rowOf(page, opp.id);
    await expectVisible(row, 'the new opportunity in the list');
    await expectText(row.getByTestId('opp-contact'), `Opp ${stamp}`, 'the contact link');
    await expectText(row.getByTestId('opp-status'), 'Meeting booked', 'the status');

    const offered = (await row.getByTestId('opp-next').locator('option').evaluateAll((os) => os.map((o) => o.value))).filter(Boolean);
    assert.deepEqual(offered, ['meeting_held', 'disqualified', 'lost'], 'the moves offered from meeting_booked');
    await row.getByTestId('opp-next').selectOption('meeting_held');
    await row.getByTestId('opp-move').click();
    await expectText(row.getByTestId('opp-status'), 'Meeting held', 'the status after the move');
    const saved = await json(await api(page, 'GET', `/opportunities/${opp.id}`), 'reading the opportunity');
    assert.equal(saved.status, 'meeting_held', 'the server has the new status');
    const person = await json(await api(page, 'GET', `/contacts/${contact.id}`), 'reading the contact');
    assert.equal(person.stage, 'meeting_held', "the contact's stage followed the opportunity");

    // The status filter: there under Meeting held, gone under Meeting booked.
    await page.getByTestId('opps-status').selectOption('meeting_held');
    await expectVisible(rowOf(page, opp.id), 'the opportunity under Meeting held');
    await page.getByTestId('opps-status').selectOption('meeting_booked');
    await expectHidden(rowOf(page, opp.id), 'the opportunity under Meeting booked');
    await page.getByTestId('opps-status').selectOption('');
    await expectVisible(rowOf(page, opp.id), 'the opportunity with any status');

    // The edit dialog: an amount with its currency, and notes.
    await rowOf(page, opp.id).getByTestId('opp-edit-open').click();
    const dialog = page.getByTestId('opp-edit');
    await expectVisible(dialog, 'the edit dialog');
    await dialog.getByLabel('Amount').fill('12000.50');
    await dialog.getByLabel('Currency').fill('usd');
    await dialog.getByLabel('Notes').fill(`Budget approved ${stamp}`);
    await page.getByTestId('confirm-ok').click();
    await expectHidden(page.locator('dialog[open]'), 'the edit dialog after saving');
    await expectVisible(rowOf(page, opp.id).getByTestId('opp-amount-cell').filter({ hasText: '12,000.50' }), 'the amount in the row');
    const edited = await json(await api(page, 'GET', `/opportunities/${opp.id}`), 'reading the edited opportunity');
    assert.equal(edited.amount_minor, 1200050, 'the amount in minor units');
    assert.equal(edited.currency, 'USD', 'the currency');
    assert.equal(edited.notes, `Budget approved ${stamp}`, 'the notes');

    // Someone marks it lost meanwhile: the stale list's move is refused with the server's message.
    await json(await api(page, 'PATCH', `/opportunities/${opp.id}`, { status: 'lost' }), 'marking it lost behind the list');
    await rowOf(page, opp.id).getByTestId('opp-next').selectOption('opportunity_created');
    await rowOf(page, opp.id).getByTestId('opp-move').click();
    await expectVisible(page.getByTestId('toast').filter({ hasText: 'Could not move' }), "the server's refusal in a toast");
    await expectText(rowOf(page, opp.id).getByTestId('opp-status'), 'Meeting held', 'the row keeps what it showed');
    assert.equal((await json(await api(page, 'GET', `/opportunities/${opp.id}`), 'reading it again')).status, 'lost', 'the refused move changed nothing');
    await screenshot(page, 'opportunities', { fullPage: true });
  });
});

test('a new opportunity is made by picking a contact; a second open one for the same contact is refused', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('opportunities-new', {}, async (page) => {
    const contact = await json(await api(page, 'POST', '/contacts', { first_name: 'Picked', last_name: stamp }), 'creating a contact');
    await page.goto(`${BASE}/opportunities`);
    const open = async () => {
      await page.getByTestId('new-opportunity').click();
      const dialog = page.getByTestId('opp-new');
      await expectVisible(dialog, 'the new opportunity dialog');
      await dialog.getByTestId('contact-search-input').fill(stamp);
      await dialog.locator(`[data-testid="contact-option"][data-contact-id="${contact.id}"]`).click();
      await expectVisible(dialog.getByTestId('opp-contact-picked'), 'the picked contact');
      return dialog;
    };
    let dialog = await open();
    await dialog.getByLabel('Meeting time (your time zone)').fill('2031-05-04T10:30');
    await page.getByTestId('confirm-ok').click();
    await expectHidden(page.locator('dialog[open]'), 'the dialog after creating');
    const { items } = await json(await api(page, 'GET', `/opportunities?contact_id=${contact.id}`), 'listing the contact’s opportunities');
    assert.equal(items.length, 1, 'one opportunity for the contact');
    assert.equal(new Date(items[0].meeting_at).getTime(), new Date('2031-05-04T10:30').getTime(), 'the meeting time, local time as typed');
    await expectVisible(rowOf(page, items[0].id), 'the new opportunity in the list');
    const offered = (await rowOf(page, items[0].id).getByTestId('opp-next').locator('option').evaluateAll((os) => os.map((o) => o.value))).filter(Boolean);
    assert.deepEqual(offered, ['disqualified', 'lost'], 'a meeting still ahead cannot be marked held yet');

    dialog = await open();
    await page.getByTestId('confirm-ok').click();
    const error = page.getByTestId('opp-new-error');
    await expectVisible(error, 'the refusal in the dialog');
    assert.match(await error.textContent(), /already has an open opportunity/, "the server's message");
    await screenshot(page, 'opportunities-409');
  });
});

test('the opportunities list fits a phone', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('opportunities-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const { opp } = await contactWithOpportunity(page, stamp);
    await page.goto(`${BASE}/opportunities`);
    await expectVisible(rowOf(page, opp.id), 'the opportunity as a card');
    await expectVisible(page.getByTestId('opp-cards'), 'cards on a phone');
    await expectNoSidewaysScroll(page, 'the opportunities list');
    await screenshot(page, 'opportunities-phone', { fullPage: true });
  });
});

test('at 1280 and 1440 px the Opportunities and Contacts tables fit their cards, Move and Edit in view', { timeout: 60_000 }, async () => {
  await withPage('tables-fit', {}, async (page) => {
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      for (const [path, table] of [
        ['/opportunities', 'opps-table'],
        ['/contacts', 'contacts-table'],
      ]) {
        await page.goto(`${BASE}${path}`);
        await expectVisible(page.getByTestId(table).getByTestId('row').first(), `the ${path} table at ${width} px`);
        const fit = await page.getByTestId(table).evaluate((t) => {
          const wrap = t.closest('.table-wrap');
          const right = wrap.getBoundingClientRect().right;
          const actions = [...t.querySelectorAll('[data-testid="opp-move"], [data-testid="opp-edit-open"]')];
          return { overflow: wrap.scrollWidth - wrap.clientWidth, outside: actions.filter((a) => a.getBoundingClientRect().right > right + 1).length };
        });
        assert.ok(fit.overflow <= 1, `${path} at ${width} px: the table is ${fit.overflow} px wider than its card`);
        assert.equal(fit.outside, 0, `${path} at ${width} px: Move and Edit are inside the card`);
      }
    }
  });
});
