// Browser tests of Batches: a batch made in the form from an industry filter (its members the
// contacts of that industry), a member removed with the multi-select, one added back by search,
// the status moved with its lifecycle buttons, every member enrolled in a sequence with the
// outcome summed up and the members shown in their new stage, and a pasted Contacts link. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

const BATCH_PATH = /^\/batches\/(?!new$)[^/]+$/;

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

/** An account in an industry of its own, with `n` contacts. */
async function industryWithContacts(page, stamp, n) {
  const industry = `Batchtest ${stamp}`;
  const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Batch Co ${stamp}`, industry }), 'creating an account');
  const contacts = [];
  for (let i = 0; i < n; i += 1) {
    contacts.push(
      await json(
        await api(page, 'POST', '/contacts', { first_name: `Member${i}`, last_name: stamp, title: 'Engineer', account_id: account.id, email: `member${i}-${stamp}@example.com` }),
        'creating a contact',
      ),
    );
  }
  return { industry, account, contacts };
}

async function memberIds(page, id) {
  const { items } = await json(await api(page, 'GET', `/batches/${id}/members?limit=100`), 'listing the members');
  return items.map((m) => m.contact_id).sort();
}

test('a batch made from a filter, a member removed and one added back, its status moved and its members enrolled', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('batches', {}, async (page) => {
    const { industry, contacts } = await industryWithContacts(page, stamp, 3);
    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-batches').click();
    await waitForPath(page, /^\/batches$/, 'the batches list');
    await page.getByTestId('new-batch').click();
    await waitForPath(page, /^\/batches\/new$/, 'the new batch form');

    await page.getByLabel('Name', { exact: true }).fill(`E2E batch ${stamp}`);
    await page.getByLabel('Description').fill('Made by batches.test.mjs');
    await page.getByLabel('Industries').fill(industry);
    await expectVisible(page.getByTestId('batch-query-preview').filter({ hasText: `industry=${industry.replace(' ', '+')}` }), 'the saved filter spelled out');
    await page.getByTestId('batch-create').click();
    await waitForPath(page, BATCH_PATH, "the new batch's page");
    const id = new URL(page.url()).pathname.split('/').pop();

    await expectText(page.getByTestId('batch-member-count'), '3', 'the member count');
    const rows = page.getByTestId('member-row');
    await expectVisible(rows.nth(2), 'three members');
    assert.equal(await rows.count(), 3, 'exactly the three contacts of the industry');
    const batch = await json(await api(page, 'GET', `/batches/${id}`), 'reading the batch');
    assert.equal(batch.name, `E2E batch ${stamp}`);
    assert.match(batch.query, /industry=/, 'the saved filter');
    assert.deepEqual(await memberIds(page, id), contacts.map((c) => c.id).sort(), 'the members are the industry’s contacts');

    // Remove one with the multi-select.
    const gone = contacts[1];
    await page.locator(`[data-testid="member-row"][data-contact-id="${gone.id}"]`).getByTestId('select-member').check();
    await expectText(page.getByTestId('selected-count'), '1 selected', 'the selection');
    await page.getByTestId('remove-members').click();
    await page.getByTestId('confirm-ok').click();
    await expectText(page.getByTestId('batch-member-count'), '2', 'the member count after removing one');
    await page.waitForFunction((cid) => !document.querySelector(`[data-testid="member-row"][data-contact-id="${cid}"]`), gone.id);
    assert.equal(await rows.count(), 2, 'two members left on screen');
    assert.deepEqual(await memberIds(page, id), contacts.filter((c) => c.id !== gone.id).map((c) => c.id).sort(), 'the server agrees');

    // Add it back by searching.
    const add = page.getByTestId('add-members');
    await add.getByTestId('contact-search-input').fill(`${gone.first_name} ${stamp}`);
    await add.locator(`[data-testid="contact-option"][data-contact-id="${gone.id}"]`).click();
    await expectText(page.getByTestId('batch-member-count'), '3', 'the member count after adding one back');
    await expectVisible(page.locator(`[data-testid="member-row"][data-contact-id="${gone.id}"]`), 'the added member in the table');

    // Lifecycle: draft → active.
    await expectText(page.getByTestId('batch-status').first(), 'Draft', 'a new batch is a draft');
    await page.getByTestId('batch-to-active').click();
    await expectText(page.getByTestId('batch-status').first(), 'Active', 'the status after Activate');
    assert.equal((await json(await api(page, 'GET', `/batches/${id}`), 'reading the batch')).status, 'active', 'the server has it active');
    assert.equal(await page.getByTestId('batch-to-draft').count(), 0, 'no way back to draft from active');

    // Enroll every member in a sequence (steps far enough out that none fires during the test).
    const sequence = await json(
      await api(page, 'POST', '/sequences', {
        name: `E2E batch enroll ${stamp}`,
        steps: [{ day_offset: 30, kind: 'call', template: 'Call {{first_name}} about {{company}}.', is_break_up: false }],
      }),
      'creating a sequence',
    );
    await page.reload();
    await page.getByTestId('enroll-sequence').locator(`option[value="${sequence.id}"]`).waitFor({ state: 'attached' });
    await page.getByTestId('enroll-sequence').selectOption(sequence.id);
    await page.getByTestId('enroll-submit').click();
    const outcome = page.getByTestId('enroll-outcome');
    await expectVisible(outcome, 'the enrollment outcome');
    assert.match(await outcome.textContent(), /3 of 3 enrolled/, 'every member enrolled');
    const { items: enrolled } = await json(await api(page, 'GET', `/enrollments?sequence_id=${sequence.id}`), 'listing the enrollments');
    assert.equal(enrolled.length, 3, 'three enrollments on the server');
    const stages = page.getByTestId('member-row').getByTestId('stage-badge');
    for (let i = 0; i < 3; i += 1) {
      await expectVisible(stages.nth(i).and(page.locator('[data-stage="sequencing"]')), `member ${i + 1} shown in its new stage`);
    }

    // Again: each one is already in a sequence, and the summary says so.
    await page.getByTestId('enroll-submit').click();
    await expectVisible(outcome.filter({ hasText: '0 of 3 enrolled' }), 'nobody enrolled twice');
    await expectVisible(outcome.getByTestId('enroll-failure'), 'why they were not enrolled');
    await screenshot(page, 'batch-detail', { fullPage: true });

    // The list shows the batch.
    await page.getByTestId('nav-batches').click();
    const row = page.getByTestId('row').filter({ hasText: `E2E batch ${stamp}` });
    await expectVisible(row, 'the batch in the list');
    await expectText(row.getByTestId('batch-members'), '3', 'its member count in the list');
    await expectText(row.getByTestId('batch-status'), 'Active', 'its status in the list');
  });
});

test('a batch from a pasted Contacts link takes its filter and the limit', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('batches-paste', {}, async (page) => {
    const { industry } = await industryWithContacts(page, stamp, 3);
    await page.goto(`${BASE}/batches/new`);
    await page.getByLabel('Name', { exact: true }).fill(`E2E pasted ${stamp}`);
    await page.getByLabel('Or paste a Contacts list link').fill(`${BASE}/contacts?industry=${encodeURIComponent(industry)}&cursor=abc`);
    await page.getByLabel('How many (1–1000)').fill('2');
    await page.getByTestId('batch-create').click();
    await waitForPath(page, BATCH_PATH, "the new batch's page");
    await expectText(page.getByTestId('batch-member-count'), '2', 'the limit caps the members');
    const id = new URL(page.url()).pathname.split('/').pop();
    const batch = await json(await api(page, 'GET', `/batches/${id}`), 'reading the batch');
    assert.doesNotMatch(batch.query, /cursor/, 'the cursor is not part of the saved filter');

    // A filter the server refuses is shown, not swallowed.
    await page.goto(`${BASE}/batches/new`);
    await page.getByLabel('Name', { exact: true }).fill(`E2E refused ${stamp}`);
    await page.getByLabel('Or paste a Contacts list link').fill('/contacts?min_priority=lots');
    await page.getByTestId('batch-create').click();
    await expectVisible(page.getByTestId('form-error'), "the server's refusal");
    assert.match(await page.getByTestId('form-error').textContent(), /min_priority/, 'the refusal names the filter');
  });
});

test('the batches screens fit a phone', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('batches-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const { contacts } = await industryWithContacts(page, stamp, 1);
    const batch = await json(await api(page, 'POST', '/batches', { name: `E2E phone ${stamp}`, contact_ids: contacts.map((c) => c.id) }), 'creating a batch');
    await page.goto(`${BASE}/batches`);
    await expectVisible(page.getByTestId('batch-cards'), 'the batches as cards');
    await expectNoSidewaysScroll(page, 'the batches list');
    await page.goto(`${BASE}/batches/${batch.id}`);
    await expectVisible(page.getByTestId('member-cards'), 'the members as cards');
    await expectNoSidewaysScroll(page, 'a batch');
    await page.goto(`${BASE}/batches/new`);
    await expectVisible(page.getByTestId('batch-form'), 'the new batch form');
    await expectNoSidewaysScroll(page, 'the new batch form');
    await screenshot(page, 'batches-phone', { fullPage: true });
  });
});
