// Browser tests of the contacts screens (list with filters and bulk actions, form, detail with
// the stage control and signals, the People of an account) against a running server
// (`occ serve --demo`), signed in as OCC_E2E_EMAIL, an admin (see helpers.mjs).
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
  fillByLabel,
  screenshot,
  setup,
  uniqueStamp,
  waitForPath,
  waitForRowCount,
  waitForUrl,
  withPage,
} from './helpers.mjs';

setup();

/** A contact's detail page, and not the new-contact form. */
const CONTACT_PATH = /^\/contacts\/(?!new$)[^/]+$/;

/** Creates a contact through the API and returns it. */
async function createContact(page, body) {
  const res = await api(page, 'POST', '/contacts', body);
  assert.equal(res.status(), 201, `POST /api/v1/contacts answered ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** Moves a contact's stage through the API (each step must be allowed from the one before). */
async function moveStage(page, id, ...stages) {
  for (const stage of stages) {
    const res = await api(page, 'POST', `/contacts/${id}/stage`, { stage });
    assert.equal(res.status(), 200, `moving ${id} to ${stage} answered ${res.status()}: ${await res.text()}`);
  }
}

async function getContact(page, id) {
  const res = await api(page, 'GET', `/contacts/${id}`);
  assert.equal(res.status(), 200, `GET /api/v1/contacts/${id} answered ${res.status()}`);
  return res.json();
}

/** The `data-stage` of each row's stage badge, in order. */
async function rowStages(page) {
  return page.getByTestId('row').getByTestId('stage-badge').evaluateAll((els) => els.map((e) => e.dataset.stage));
}

/**
 * Checks that nothing in `selector` reaches past the phone's width. (A phone-sized page that
 * overflows widens its layout viewport instead of scrolling, so the window width cannot tell.)
 */
async function expectWithinPhone(page, selector, what) {
  const right = await page.locator(selector).evaluate((root) =>
    Math.max(...[root, ...root.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)),
  );
  assert.ok(right <= PHONE.width, `${what} should fit in ${PHONE.width} px, it reaches ${Math.round(right)} px`);
}

/** Waits until the rows' stages pass `test` (the previous rows stay while the list reloads). */
async function waitForStages(page, test, what) {
  const deadline = Date.now() + 10_000;
  let stages = [];
  while (Date.now() < deadline) {
    stages = await rowStages(page);
    if (test(stages)) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`expected ${what}, the rows' stages are ${JSON.stringify(stages)}`);
}

test('a contact created through the form is found in the list by search', async () => {
  const stamp = uniqueStamp();
  const last = `Tester${stamp}`;
  const email = `e2e-${stamp}@example.com`;
  await withPage('contact-create-and-search', {}, async (page) => {
    const res = await api(page, 'POST', '/accounts', { name: `E2E Employer ${stamp}`, domain: `e2e-employer-${stamp}.example.com` });
    assert.equal(res.status(), 201, `creating the account answered ${res.status()}: ${await res.text()}`);
    const account = await res.json();

    await page.goto(`${BASE}/contacts`);
    await expectVisible(page.getByTestId('contacts-table'), 'the contacts table (the demo data has contacts)');
    await page.getByTestId('new-contact').click();
    await waitForPath(page, /^\/contacts\/new$/, 'the new-contact form');
    await fillByLabel(page, {
      'First name': 'Erin',
      'Last name': last,
      Title: 'VP Engineering',
      Email: email,
      'LinkedIn URL': `https://www.linkedin.com/in/e2e-${stamp}`,
      Phone: '+49 30 1234567',
      'Time zone': 'Europe/Berlin',
      Notes: 'Created by the browser test.',
    });
    await page.getByTestId('account-search').fill(stamp);
    const option = page.getByTestId('account-option').filter({ hasText: account.name });
    await expectVisible(option, `the account "${account.name}" among the search results of the company picker`);
    await option.click();
    await expectText(page.getByTestId('account-picked').locator('.picked-name'), `${account.name} · ${account.domain}`, 'the chosen company');
    await screenshot(page, 'contact-form', { fullPage: true });
    await page.getByRole('button', { name: 'Create contact' }).click();

    await waitForPath(page, CONTACT_PATH, "the new contact's detail page");
    await expectText(page.getByTestId('contact-name'), `Erin ${last}`, 'the detail page heading');
    await expectText(page.getByTestId('contact-email'), email, 'the email on the detail page');
    await expectText(page.getByTestId('contact-seniority'), 'VP', 'the seniority worked out from the title');
    await expectText(page.getByTestId('contact-company-link'), account.name, 'the company on the detail page');
    assert.equal(
      await page.getByTestId('contact-company-link').getAttribute('href'),
      `/accounts/${account.id}`,
      'the company should link to its account',
    );
    await expectText(page.getByTestId('contact-stage').getByTestId('stage-badge'), 'New', 'the stage of a new contact');
    await screenshot(page, 'contact-detail', { fullPage: true });

    await page.getByTestId('nav-contacts').click();
    await waitForPath(page, /^\/contacts$/, 'the contacts list');
    await page.getByLabel('Search contacts').fill(stamp);
    await waitForUrl(page, (url) => url.searchParams.get('q') === stamp, `the search should be kept in the URL as q=${stamp}`);
    await waitForRowCount(page, 1, `for the unique search "${stamp}": only the new contact matches it`);
    const row = page.getByTestId('row').filter({ hasText: `Erin ${last}` });
    await expectVisible(row, `a row for "Erin ${last}"`);
    assert.match((await row.textContent()) || '', new RegExp(account.name), 'the row should name the company');
    await screenshot(page, 'contacts-search', { fullPage: true });

    await page.reload();
    assert.equal(await page.getByLabel('Search contacts').inputValue(), stamp, 'the search box should keep its text after a reload');
    await row.getByTestId('contact-name').click();
    await waitForPath(page, CONTACT_PATH, 'the detail page from the list row');
    await expectText(page.getByTestId('contact-name'), `Erin ${last}`, 'the detail page opened from the list');
  });
});

test('a taken email (409) is shown next to the email field with a link to the existing contact', async () => {
  const stamp = uniqueStamp();
  const email = `e2e-taken-${stamp}@example.com`;
  await withPage('contact-duplicate-email', {}, async (page) => {
    const original = await createContact(page, { first_name: 'Original', last_name: stamp, email });
    await page.goto(`${BASE}/contacts/new`);
    await fillByLabel(page, { 'First name': 'Copy', Email: email.toUpperCase() });
    await page.getByRole('button', { name: 'Create contact' }).click();
    const error = page.getByTestId('field-error-email');
    await expectVisible(error, 'the duplicate-email error under the Email field');
    assert.equal(new URL(page.url()).pathname, '/contacts/new', 'the form should stay open on a conflict');
    assert.equal(await page.getByLabel('Email', { exact: true }).getAttribute('aria-invalid'), 'true', 'the email input is marked invalid');
    await screenshot(page, 'contact-form-duplicate-email');
    await error.getByTestId('conflict-link').click();
    await waitForPath(page, new RegExp(`^/contacts/${original.id}$`), 'the existing contact from the conflict link');
    await expectText(page.getByTestId('contact-name'), `Original ${stamp}`, 'the existing contact');
  });
});

test('filtering by stage through the filter controls keeps the filter in the URL', async () => {
  const stamp = uniqueStamp();
  await withPage('contacts-filter-stage', {}, async (page) => {
    const fresh = await createContact(page, { first_name: 'Fresh', last_name: stamp });
    const researched = await createContact(page, { first_name: 'Researched', last_name: stamp });
    await moveStage(page, researched.id, 'researched');

    await page.goto(`${BASE}/contacts`);
    await expectVisible(page.getByTestId('contacts-table'), 'the contacts table');
    const stageFilter = page.getByTestId('filter-stage');
    await stageFilter.locator('summary').click();
    await stageFilter.getByLabel('Researched', { exact: true }).check();
    await waitForUrl(page, (url) => url.searchParams.get('stage') === 'researched', 'checking Researched should put stage=researched in the URL');
    await screenshot(page, 'contacts-filter-stage-open');
    await page.keyboard.press('Escape');
    await expectText(page.getByTestId('filter-stage-value'), 'Researched', 'the stage filter says what it shows');
    await waitForStages(page, (stages) => stages.length > 0 && stages.every((s) => s === 'researched'), 'every row in the researched stage');

    // Two stages at once, then narrowed by the search: only the researched contact of this run.
    await stageFilter.locator('summary').click();
    await stageFilter.getByLabel('Drafted', { exact: true }).check();
    await waitForUrl(page, (url) => url.searchParams.get('stage') === 'researched,drafted', 'a second stage joins the first in the URL');
    await page.keyboard.press('Escape');
    await page.getByLabel('Search contacts').fill(stamp);
    await waitForUrl(page, (url) => url.searchParams.get('q') === stamp && url.searchParams.get('stage') === 'researched,drafted', 'search and stage together in the URL');
    await waitForRowCount(page, 1, `for stage researched or drafted and "${stamp}"`);
    await expectVisible(page.getByTestId('row').filter({ hasText: `Researched ${stamp}` }), 'the researched contact');
    await screenshot(page, 'contacts-filter-stage', { fullPage: true });

    // A bookmark of this view shows the same; Back undoes the last filter.
    const bookmarked = page.url();
    await page.goto(bookmarked);
    await waitForRowCount(page, 1, 'after opening the filtered view again');
    await expectText(page.getByTestId('filter-stage-value'), '2 selected', 'the stage filter read from the URL');
    await page.getByTestId('contacts-clear').click();
    await waitForUrl(page, (url) => !url.searchParams.has('stage') && !url.searchParams.has('q'), 'Clear filters empties the URL query');
    await waitForRowCount(page, 50, 'a whole page once the filters are cleared');
    await page.goBack();
    await waitForUrl(page, (url) => url.searchParams.get('stage') === 'researched,drafted', 'Back should bring the filter back');
    await waitForRowCount(page, 1, 'after going back to the filtered view');
    assert.ok(fresh.id, 'the new contact exists (it is filtered out)');
  });
});

test('a page whose filters pass few contacts fills itself from where the server stopped', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  const filtered = '/contacts?seniority=c_level&department=hr&sort=-created_at';
  await withPage('contacts-walk', {}, async (page) => {
    const rare = [];
    for (const n of [1, 2, 3]) {
      rare.push(await createContact(page, { first_name: `Rare${n}`, last_name: stamp, seniority: 'c_level', department: 'hr' }));
    }
    // More people than the server walks for one page (1,000), newer than the three and none of
    // them a c-level in HR: newest first, the server's first page stops before the three.
    const lines = ['first_name,last_name,email'];
    for (let i = 0; i < 1100; i += 1) lines.push(`Filler${i},${stamp},filler${i}@walk-${stamp}.example`);
    const imported = await api(page, 'POST', '/import?filename=walk.csv', `${lines.join('\n')}\n`, 'text/csv');
    assert.equal(imported.status(), 200, `POST /api/v1/import answered ${imported.status()}: ${await imported.text()}`);
    const first = await (await api(page, 'GET', `${filtered}&limit=50`)).json();
    assert.equal(first.stopped_after, 1000, `the server's first page stops after its walk: ${JSON.stringify(first).slice(0, 300)}`);
    assert.ok(!first.items.some((c) => c.last_name === stamp), 'the three are past the first walk');

    // The screen asks for the rest of the page from where the server stopped.
    await page.goto(`${BASE}${filtered}`);
    for (const c of rare) {
      await expectVisible(page.getByTestId('row').filter({ hasText: `${c.first_name} ${stamp}` }), `${c.first_name}, found past the first walk`);
    }
    await expectHidden(page.getByTestId('contacts-empty'), 'no "no contacts match": the page went on');
    await expectHidden(page.getByTestId('walk-stopped'), 'no notice: the page went on to the end of the book');
    await screenshot(page, 'contacts-walk', { fullPage: true });
  });
});

test('a contact moves stage through the stage control, and a signal added is listed', async () => {
  const stamp = uniqueStamp();
  await withPage('contact-stage-and-signal', {}, async (page) => {
    const contact = await createContact(page, { first_name: 'Stage', last_name: stamp, title: 'Head of Data' });
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await expectVisible(page.getByTestId('contact-detail'), 'the contact detail page');
    await expectVisible(page.getByTestId('score-card'), 'the priority score');
    const offered = await page.getByTestId('stage-select').locator('option:not([disabled])').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(offered, contact.next_stages, 'the stage control should offer exactly the next stages');
    assert.ok(!offered.includes('meeting_booked'), 'a stage outside the stage table is not offered');

    await page.getByTestId('stage-select').selectOption('researched');
    await page.getByTestId('stage-move').click();
    await waitForStage(page, 'researched');
    assert.equal((await getContact(page, contact.id)).stage, 'researched', 'the server has the new stage');
    const next = await page.getByTestId('stage-select').locator('option:not([disabled])').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(!next.includes('researched') && next.includes('drafted'), `after the move, the next stages follow from researched: ${JSON.stringify(next)}`);

    // An admin may override, with a reason.
    await page.getByTestId('stage-override').click();
    const dialog = page.getByTestId('confirm-dialog').filter({ hasText: 'Override the stage' });
    await expectVisible(dialog, 'the override dialog');
    await dialog.getByTestId('override-stage').selectOption('meeting_held');
    await dialog.getByRole('button', { name: 'Override' }).click();
    await expectVisible(dialog.getByTestId('override-error'), 'the error asking for a reason');
    await dialog.getByTestId('override-reason').fill('Met at a conference, logged late');
    await screenshot(page, 'contact-stage-override');
    await dialog.getByRole('button', { name: 'Override' }).click();
    await waitForStage(page, 'meeting_held');

    await page.getByTestId('add-signal').click();
    await page.getByLabel('Kind', { exact: true }).selectOption('funding');
    await page.getByLabel('Strength', { exact: true }).selectOption('4');
    await page.getByLabel('Title', { exact: true }).fill(`Raised a Series B ${stamp}`);
    await page.getByLabel('Source URL', { exact: true }).fill('https://example.com/news');
    await page.getByTestId('signal-submit').click();
    const signal = page.getByTestId('signal').filter({ hasText: `Raised a Series B ${stamp}` });
    await expectVisible(signal, 'the new signal in the list');
    assert.match((await signal.textContent()) || '', /Funding/, 'the signal shows its kind');
    assert.equal(await signal.getByTestId('signal-strength').getAttribute('aria-label'), 'Strength 4 of 5', 'the signal shows its strength');
    await screenshot(page, 'contact-signal', { fullPage: true });

    await page.reload();
    await expectVisible(signal, 'the signal after a reload');
    const listed = await (await api(page, 'GET', `/signals?contact_id=${contact.id}`)).json();
    assert.equal(listed.items.length, 1, 'the server lists the one signal of this contact');

    await signal.getByTestId('signal-delete').click();
    const confirm = page.getByTestId('confirm-dialog').filter({ hasText: 'Delete this signal?' });
    await confirm.getByRole('button', { name: 'Delete signal' }).click();
    await expectVisible(page.getByTestId('signals-empty'), 'the empty signal list after deleting');
  });
});

test("a contact's Signals card lists its company's signals too, marked as the company's", async () => {
  const stamp = uniqueStamp();
  await withPage('contact-company-signal', {}, async (page) => {
    const res = await api(page, 'POST', '/accounts', { name: `E2E Signals ${stamp}` });
    assert.equal(res.status(), 201, `creating the account answered ${res.status()}: ${await res.text()}`);
    const account = await res.json();
    const person = await createContact(page, { first_name: 'Sig', last_name: stamp, account_id: account.id });
    const added = await api(page, 'POST', '/signals', { account_id: account.id, kind: 'hiring', strength: 3, title: `Hiring 20 SDRs ${stamp}` });
    assert.equal(added.status(), 201, `adding the account's signal answered ${added.status()}`);

    await page.goto(`${BASE}/contacts/${person.id}`);
    const signal = page.getByTestId('signal').filter({ hasText: `Hiring 20 SDRs ${stamp}` });
    await expectVisible(signal, "the company's signal on the contact's page");
    await expectText(signal.getByTestId('signal-company'), 'Company', "marked as the company's");
    assert.equal(await signal.getByTestId('signal-delete').count(), 0, "deleted from the account's page, not here");
    assert.equal(await page.getByTestId('signals-empty').count(), 0, 'not "No signals yet" beside a signal that counts');
  });
});

/** Waits until the detail page shows `stage`. */
async function waitForStage(page, stage) {
  const badge = page.getByTestId('contact-stage').getByTestId('stage-badge');
  const deadline = Date.now() + 10_000;
  let now = null;
  while (Date.now() < deadline) {
    now = await badge.getAttribute('data-stage').catch(() => null);
    if (now === stage) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`expected the stage control to show ${stage}, it shows ${now}`);
}

test('a bulk stage change reports each failure, and two selected contacts get their status set in bulk', async () => {
  const stamp = uniqueStamp();
  await withPage('contacts-bulk', {}, async (page) => {
    const a = await createContact(page, { first_name: 'Bulk A', last_name: stamp });
    const b = await createContact(page, { first_name: 'Bulk B', last_name: stamp });
    await moveStage(page, b.id, 'touched', 'meeting_booked');

    await page.goto(`${BASE}/contacts?q=${encodeURIComponent(stamp)}`);
    await waitForRowCount(page, 2, `for the search "${stamp}"`);
    const rows = page.getByTestId('row');

    // A stage only one of them may reach: one succeeds, the other says why it failed.
    await rows.nth(0).getByTestId('select-row').check();
    await rows.nth(1).getByTestId('select-row').check();
    await expectText(page.getByTestId('bulk-count'), '2 selected', 'the count of selected contacts');
    await page.getByTestId('bulk-action').selectOption('stage');
    await page.getByTestId('bulk-value').selectOption('meeting_held');
    await page.getByTestId('bulk-apply').click();
    await expectText(page.getByTestId('bulk-summary'), 'Stage set to Meeting held for 1 of 2 contacts; 1 failed.', 'the mixed bulk result');
    const failure = page.getByTestId('bulk-failure');
    assert.equal(await failure.count(), 1, 'one failure is listed');
    assert.match((await failure.textContent()) || '', new RegExp(`Bulk A ${stamp}`), 'the failure names the contact that could not move');
    assert.equal((await getContact(page, b.id)).stage, 'meeting_held', 'the allowed move happened');
    assert.equal((await getContact(page, a.id)).stage, 'new', 'the refused move did not');
    await expectText(page.getByTestId('bulk-count'), '1 selected', 'the failed contact stays selected');
    await screenshot(page, 'contacts-bulk-mixed', { fullPage: true });

    // Both selected again, and a status every one of them may take.
    await page.getByTestId('select-all').check();
    await expectText(page.getByTestId('bulk-count'), '2 selected', 'both contacts selected with the header checkbox');
    await page.getByTestId('bulk-action').selectOption('status');
    await page.getByTestId('bulk-value').selectOption('dormant');
    await screenshot(page, 'contacts-bulk-bar');
    await page.getByTestId('bulk-apply').click();
    await expectText(page.getByTestId('bulk-summary'), 'Status set to Dormant for all 2 contacts.', 'the bulk result');
    for (const c of [a, b]) assert.equal((await getContact(page, c.id)).status, 'dormant', `${c.first_name} is dormant on the server`);
    const statuses = page.getByTestId('row').getByTestId('status-badge');
    await expectText(statuses.nth(0), 'Dormant', 'the first row after the bulk change');
    await expectText(statuses.nth(1), 'Dormant', 'the second row after the bulk change');
    assert.equal(await page.getByTestId('bulk-bar').count(), 0, 'nothing stays selected when every contact succeeded');
    await screenshot(page, 'contacts-bulk-status', { fullPage: true });

    // A new search shows other rows: the report of the last change goes.
    await page.getByLabel('Search contacts').fill(`Nobody ${stamp}`);
    await expectHidden(page.getByTestId('bulk-report'), 'the bulk report after a new search');
  });
});

test('an account lists its people, and Add person starts a contact at that account', async () => {
  const stamp = uniqueStamp();
  await withPage('account-people', {}, async (page) => {
    const res = await api(page, 'POST', '/accounts', { name: `E2E People ${stamp}` });
    assert.equal(res.status(), 201, `creating the account answered ${res.status()}: ${await res.text()}`);
    const account = await res.json();
    const person = await createContact(page, { first_name: 'Pat', last_name: stamp, account_id: account.id, title: 'CFO' });

    await page.goto(`${BASE}/accounts/${account.id}`);
    const people = page.getByTestId('account-people');
    await expectVisible(people.getByTestId('person'), 'the person in the People section');
    await expectText(people.getByTestId('person-link'), `Pat ${stamp}`, "the person's name");
    await screenshot(page, 'account-people', { fullPage: true });
    await people.getByTestId('add-person').click();
    await waitForUrl(page, (url) => url.pathname === '/contacts/new' && url.searchParams.get('account_id') === account.id, 'Add person opens the form for this account');
    await expectText(page.getByTestId('account-picked').locator('.picked-name'), account.name, 'the company chosen in the form');

    await page.goto(`${BASE}/accounts/${account.id}`);
    await people.getByTestId('person-link').click();
    await waitForPath(page, new RegExp(`^/contacts/${person.id}$`), 'the contact from the People section');
  });
});

test('on a phone the contacts list shows as cards, with the filters behind a button', async () => {
  await withPage('contacts-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/contacts`);
    await expectVisible(page.getByTestId('contact-cards'), 'the contact cards on a 390 px wide screen');
    assert.equal(await page.getByTestId('contacts-table').count(), 0, 'no table on a phone');
    assert.ok((await page.getByTestId('row').count()) > 0, 'the cards list contacts');
    await expectNoSidewaysScroll(page, 'the contacts list');
    await screenshot(page, 'phone-contacts');

    assert.equal(await page.getByTestId('filter-stage').isVisible(), false, 'the filters are folded away at first');
    await page.getByTestId('filters-toggle').click();
    await expectVisible(page.getByTestId('filter-stage'), 'the stage filter after opening the filters');
    await expectNoSidewaysScroll(page, 'the opened filters');
    await expectWithinPhone(page, '#contact-filters', 'the opened filters');
    await expectWithinPhone(page, '[data-testid="contact-cards"]', 'the contact cards');
    await screenshot(page, 'phone-contacts-filters');

    await page.getByTestId('row').first().getByTestId('contact-name').click();
    await waitForPath(page, CONTACT_PATH, 'a contact from its card');
    await expectVisible(page.getByTestId('stage-card'), 'the stage control on a phone');
    await expectNoSidewaysScroll(page, 'the contact detail');
    await screenshot(page, 'phone-contact-detail', { fullPage: true });
  });
});
