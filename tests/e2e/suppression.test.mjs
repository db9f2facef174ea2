// Browser tests of Settings → Suppression: an address added and a second add told it is already
// there, a pasted list imported with its counts and the number of the line it could not read,
// the prefix search and the kind filter, an admin's Remove after a confirmation, an erased
// person's hash shown without Remove (and the server's 409), and a viewer's read-only list. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
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
  signInThroughApi,
  uniqueStamp,
  waitForPath,
  withPage,
  expectTitle,
} from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

const rowOf = (page, value) => page.locator(`[data-testid="suppression-row"][data-value="${value}"]`);

/** Waits until the list shows exactly the entries `values` (in any order), the filters applied. */
async function waitForValues(page, values, what) {
  const rows = page.getByTestId('suppression-row');
  const want = [...values].sort();
  let seen = [];
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const busy = await page.locator('.table-wrap.is-busy').count();
    seen = (await rows.evaluateAll((els) => els.map((e) => e.dataset.value))).sort();
    if (!busy && JSON.stringify(seen) === JSON.stringify(want)) return;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(seen, want, `the entries ${what}`);
}

test('an admin adds an address twice, imports a list with a bad line, searches by prefix and removes an entry', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  const prefix = `e2e${stamp}`;
  const first = `${prefix}x@example.com`;
  const imported = `${prefix}a@example.com`;
  const domain = `${prefix}b.example.com`;
  await withPage('suppression', {}, async (page) => {
    await page.goto(`${BASE}/settings`);
    await page.getByTestId('settings-suppression').click();
    await waitForPath(page, /^\/settings\/suppression$/, 'Settings → Suppression');
    await expectTitle(page, 'Suppression · Settings · OCC');

    // Add an address.
    const add = page.getByTestId('suppression-add');
    await add.getByLabel('Kind', { exact: true }).selectOption('email');
    await add.getByLabel('Email address', { exact: true }).fill(first.toUpperCase());
    await add.getByLabel('Reason', { exact: true }).selectOption('complaint');
    await add.getByLabel('Note', { exact: true }).fill(`E2E ${stamp}`);
    await add.getByTestId('suppression-add-submit').click();
    const row = rowOf(page, first);
    await expectVisible(row, `the new entry ${first} (stored in lower case)`);
    await expectText(row.getByTestId('suppression-reason'), 'Complaint', 'the reason of the new entry');
    await expectText(row.getByTestId('suppression-kind'), 'Email address', 'the kind of the new entry');
    assert.equal(await add.getByLabel('Email address', { exact: true }).inputValue(), '', 'the form empties after adding');

    // The same again: already there, nothing changed.
    await add.getByLabel('Email address', { exact: true }).fill(first);
    await add.getByTestId('suppression-add-submit').click();
    const already = page.getByTestId('suppression-already');
    await expectVisible(already, 'the "already suppressed" notice');
    assert.match((await already.textContent()) || '', new RegExp(`${first}.*already suppressed`), 'the notice names the address');
    assert.equal(await rowOf(page, first).count(), 1, 'still one entry for the address');

    // A value the server cannot read is refused next to the input.
    await add.getByLabel('Kind', { exact: true }).selectOption('domain');
    await add.getByLabel('Domain', { exact: true }).fill('not a domain');
    await add.getByTestId('suppression-add-submit').click();
    await expectVisible(add.getByTestId('field-error-value'), 'the error next to the domain');
    await screenshot(page, 'suppression-add', { fullPage: true });

    // Import a pasted list: a header, two new values, the one already there, and a bad line (5).
    const imp = page.getByTestId('suppression-import');
    await imp.getByLabel('Values', { exact: true }).fill(['email', imported, `@${domain}`, first, 'not an address!!', ''].join('\n'));
    await imp.getByLabel('Reason', { exact: true }).selectOption('unsubscribe');
    await imp.getByTestId('suppression-import-submit').click();
    const result = page.getByTestId('suppression-import-result');
    await expectVisible(result, 'the import result');
    await expectText(result.getByTestId('import-added'), '2', 'added');
    await expectText(result.getByTestId('import-already'), '1', 'already suppressed');
    await expectText(result.getByTestId('import-invalid-count'), '1', 'lines not read');
    const bad = result.getByTestId('import-invalid-line');
    assert.equal(await bad.count(), 1, 'one invalid line listed');
    assert.equal(await bad.getAttribute('data-line'), '5', 'the invalid line is line 5');
    assert.match((await bad.textContent()) || '', /Line 5: not an address!!/, 'the line number and its text');
    await screenshot(page, 'suppression-import', { fullPage: true });

    // Prefix search: the three of this run, then narrowed by the kind and a longer prefix.
    await page.getByLabel('Search by the start of the value').fill(prefix.toUpperCase());
    await waitForValues(page, [first, imported, domain], `starting with ${prefix}`);
    await expectVisible(rowOf(page, domain), 'the imported domain');
    await expectText(rowOf(page, domain).getByTestId('suppression-reason'), 'Unsubscribed', 'the reason of an imported entry');
    await page.getByLabel('Kind', { exact: true }).last().selectOption('domain');
    await waitForValues(page, [domain], 'of kind domain');
    await page.getByLabel('Kind', { exact: true }).last().selectOption('');
    await waitForValues(page, [first, imported, domain], 'of any kind again');
    await page.getByLabel('Search by the start of the value').fill(`${prefix}a`);
    await waitForValues(page, [imported], `starting with ${prefix}a`);
    await expectVisible(rowOf(page, imported), 'the imported address');
    await screenshot(page, 'suppression-search');

    // Remove, after a confirmation.
    await page.getByLabel('Search by the start of the value').fill(prefix);
    await waitForValues(page, [first, imported, domain], `starting with ${prefix} again`);
    await rowOf(page, first).getByTestId('suppression-remove').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expectVisible(dialog, 'the remove confirmation');
    assert.match((await dialog.textContent()) || '', new RegExp(first), 'the confirmation names the address');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await waitForValues(page, [imported, domain], 'after removing one');
    const left = await json(await api(page, 'GET', `/suppression?q=${encodeURIComponent(first)}`), 'searching the removed address');
    assert.deepEqual(left.items, [], 'the server no longer lists the removed address');
  });
});

test("an erased person's entry shows as a hash only, without Remove, and the server refuses to lift it", { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('suppression-erased', {}, async (page) => {
    const contact = await json(
      await api(page, 'POST', '/contacts', { first_name: 'Erase', last_name: stamp, email: `e2e-erase-${stamp}@example.com` }),
      'creating a contact',
    );
    const erased = await api(page, 'POST', `/contacts/${contact.id}/erase`, { reason: `E2E ${stamp}` });
    assert.equal(erased.status(), 204, `erasing the contact answered ${erased.status()}: ${await erased.text()}`);
    const newest = await json(await api(page, 'GET', '/suppression?reason=erased&kind=email&limit=1'), 'listing erased entries');
    assert.equal(newest.items.length, 1, 'the erasure left an entry');
    const entry = newest.items[0];
    assert.equal(entry.value, null, 'an erased entry has no value');

    await page.goto(`${BASE}/settings/suppression`);
    await page.getByLabel('Reason', { exact: true }).last().selectOption('erased');
    const row = page.locator(`[data-testid="suppression-row"][data-entry-id="${entry.id}"]`);
    await expectVisible(row, 'the erased entry');
    await expectText(row.getByTestId('suppression-value'), 'erased person (hash only)', 'the value of an erased entry');
    assert.equal(await row.getByTestId('suppression-remove').count(), 0, 'no Remove for an entry that can never be lifted');
    await expectText(row.getByTestId('suppression-kept'), 'Stays', 'the row says it stays');
    const refused = await api(page, 'DELETE', `/suppression/${entry.id}`);
    assert.equal(refused.status(), 409, 'the server refuses to lift it too');
    assert.match(await refused.text(), /an erased person stays suppressed/, "the server's reason");
    await screenshot(page, 'suppression-erased');
  });
});

test('a viewer reads the list without Add, Import or Remove', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  const viewer = { email: `e2e-suppression-viewer-${stamp}@example.com`, password: `viewer-pass-${stamp}` };
  const value = `e2e${stamp}v@example.com`;
  await withPage('suppression-setup', {}, async (page) => {
    await json(await api(page, 'POST', '/users', { ...viewer, name: `E2E Suppression viewer ${stamp}`, role: 'viewer' }), 'creating a viewer');
    await json(await api(page, 'POST', '/suppression', { email: value }), 'suppressing an address');
  });
  await withPage('suppression-viewer', { viewport: PHONE, mobile: true, signedIn: false }, async (page) => {
    await signInThroughApi(page.request, viewer);
    await page.goto(`${BASE}/settings/suppression`);
    await page.getByLabel('Search by the start of the value').fill(value);
    await expectVisible(rowOf(page, value), 'the entry, which a viewer may read');
    await expectVisible(page.getByTestId('suppression-read-only'), 'the read-only note');
    assert.equal(await page.getByTestId('suppression-add').count(), 0, 'a viewer gets no Add form');
    assert.equal(await page.getByTestId('suppression-import').count(), 0, 'a viewer gets no Import form');
    assert.equal(await page.getByTestId('suppression-remove').count(), 0, 'a viewer gets no Remove button');
    await expectNoSidewaysScroll(page, 'the suppression list');
    await expectHidden(page.getByTestId('loading'), 'the loading state');
    await screenshot(page, 'suppression-viewer');
  });
});
