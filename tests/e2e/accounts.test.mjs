// Browser tests of the OCC web app against a running server (`occ serve --demo`), signed in as
// OCC_E2E_EMAIL (see helpers.mjs for every variable).
//
// Run: cd tests/e2e && npm ci --ignore-scripts &&
//   OCC_E2E_URL=http://127.0.0.1:3917 OCC_E2E_EMAIL=demo@occ.local OCC_E2E_PASSWORD=... node --test
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  DETAIL_PATH,
  PHONE,
  api,
  expectHidden,
  expectNav,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  fillByLabel,
  screenshot,
  setup,
  sharedUser,
  uniqueStamp,
  waitForPath,
  waitForRowCount,
  waitForUrl,
  withPage,
} from './helpers.mjs';

// Signs in once (OCC_E2E_EMAIL) before the tests; every test's page starts signed in.
setup();

/** Fills the account form's fields by their visible labels. */
const fillAccountForm = fillByLabel;

test('the app opens and the Status screen shows the database is ok', async () => {
  await withPage('status', {}, async (page) => {
    const response = await page.goto(`${BASE}/`);
    assert.ok(response && response.ok(), `GET / answered ${response && response.status()}, expected the app's index.html`);
    await expectVisible(page.getByTestId('dashboard'), 'the Dashboard as an admin’s start page');
    await page.getByTestId('nav-accounts').click();
    await expectVisible(page.getByTestId('accounts-list'), 'the accounts list');
    await expectVisible(page.locator('[data-testid="accounts-table"], [data-testid="accounts-empty"]'), 'the accounts or the empty state');
    await screenshot(page, 'accounts-list');

    const user = sharedUser();
    await expectText(page.getByTestId('user-name'), user.name || user.email, 'the signed-in user in the sidebar');
    await expectNav(page, user.role, `the navigation should list the screens a ${user.role} may open`);

    await page.getByTestId('nav-status').click();
    await waitForPath(page, /^\/status$/, 'the Status screen (/status)');
    await expectVisible(page.getByTestId('health'), 'the health details');
    await expectText(page.getByTestId('health-status'), 'ok', 'the service status');
    await expectText(page.getByTestId('health-database'), 'ok', 'the database status');
    const schema = (await page.getByTestId('health-schema').textContent()) || '';
    assert.match(schema, /up to date/, `the schema version should be up to date, the screen says ${JSON.stringify(schema)}`);
    assert.ok(((await page.getByTestId('health-version').textContent()) || '').trim(), 'the version should be shown');
    await screenshot(page, 'status', { fullPage: true });
  });
});

test('an account created through the form is found in the list by search', async () => {
  const stamp = uniqueStamp();
  const name = `E2E Account ${stamp}`;
  const domain = `e2e-${stamp}.example.com`;
  await withPage('create-and-search', {}, async (page) => {
    await page.goto(`${BASE}/accounts`);
    await page.getByTestId('new-account').click();
    await waitForPath(page, /^\/accounts\/new$/, 'the new-account form');
    await fillAccountForm(page, {
      Name: name,
      Domain: domain,
      Industry: 'Software',
      Employees: '120',
      Country: 'DE',
      'Time zone': 'Europe/Berlin',
      'Tech stack': 'snowflake, dbt',
      Notes: 'Created by the browser test.',
    });
    await screenshot(page, 'account-form', { fullPage: true });
    await page.getByRole('button', { name: 'Create account' }).click();

    await waitForPath(page, DETAIL_PATH, "the new account's detail page");
    await expectText(page.getByTestId('account-name'), name, 'the detail page heading');
    await expectText(page.getByTestId('account-domain'), domain, 'the domain on the detail page');
    await expectText(page.getByTestId('account-industry'), 'Software', 'the industry on the detail page');
    const chips = (await page.getByTestId('account-tech_stack').locator('.chip').allTextContents()).map((t) => t.trim());
    assert.deepEqual(chips, ['snowflake', 'dbt'], 'the tech stack should be saved as a list');
    await screenshot(page, 'account-detail', { fullPage: true });

    await page.getByTestId('nav-accounts').click();
    await waitForPath(page, /^\/accounts$/, 'the accounts list');
    await page.getByLabel('Search accounts').fill(stamp);
    await waitForUrl(page, (url) => url.searchParams.get('q') === stamp, `the search should be kept in the URL as q=${stamp}`);
    await waitForRowCount(page, 1, `for the unique search "${stamp}": only the new account matches it`);
    const row = page.getByTestId('row').filter({ hasText: name });
    await expectVisible(row, `a row for "${name}" after searching for "${stamp}"`);
    await screenshot(page, 'accounts-search', { fullPage: true });

    // The search survives a reload, and the row leads to the detail page.
    await page.reload();
    assert.equal(await page.getByLabel('Search accounts').inputValue(), stamp, 'the search box should keep its text after a reload');
    await expectVisible(row, 'the row again after a reload');
    await row.getByRole('link').click();
    await waitForPath(page, DETAIL_PATH, 'the detail page from the list row');
    await expectText(page.getByTestId('account-name'), name, 'the detail page heading opened from the list');
  });
});

test('a malformed domain is shown as an error next to the domain field', async () => {
  await withPage('domain-error', {}, async (page) => {
    await page.goto(`${BASE}/accounts/new`);
    await fillAccountForm(page, { Name: `E2E Bad Domain ${uniqueStamp()}`, Domain: 'not a domain' });
    await page.getByRole('button', { name: 'Create account' }).click();

    const error = page.getByTestId('field-error-domain');
    await expectVisible(error, 'an error message under the Domain field');
    const message = ((await error.textContent()) || '').trim();
    assert.ok(message.length > 0, 'the domain error should say what is wrong');
    assert.equal(new URL(page.url()).pathname, '/accounts/new', 'the form should stay open when the server rejects it');

    const input = page.getByLabel('Domain', { exact: true });
    assert.equal(await input.getAttribute('aria-invalid'), 'true', 'the domain input should be marked aria-invalid');
    const errorId = await error.getAttribute('id');
    const describedBy = (await input.getAttribute('aria-describedby')) || '';
    assert.ok(describedBy.split(' ').includes(errorId), `the domain input should be described by its error (#${errorId}), aria-describedby is "${describedBy}"`);
    const inputBox = await input.boundingBox();
    const errorBox = await error.boundingBox();
    assert.ok(
      inputBox && errorBox && errorBox.y >= inputBox.y && errorBox.y - (inputBox.y + inputBox.height) < 48 && Math.abs(errorBox.x - inputBox.x) < 24,
      `the error should sit right under the domain input (input ${JSON.stringify(inputBox)}, error ${JSON.stringify(errorBox)})`,
    );
    assert.equal(await page.getByTestId('field-error-name').count(), 0, 'the name field should have no error');
    assert.ok(await page.getByTestId('submit').isEnabled(), 'the submit button should be enabled again after the error');
    await screenshot(page, 'account-form-domain-error', { fullPage: true });
  });
});

test('a duplicate domain (409) is shown next to the domain field with a link to the existing account', async () => {
  const stamp = uniqueStamp();
  const domain = `e2e-dup-${stamp}.example.com`;
  await withPage('duplicate-domain', {}, async (page) => {
    const res = await api(page, 'POST', '/accounts', { name: `E2E Original ${stamp}`, domain });
    assert.equal(res.status(), 201, `creating the first account answered ${res.status()}: ${await res.text()}`);
    const original = await res.json();

    await page.goto(`${BASE}/accounts/new`);
    await fillAccountForm(page, { Name: `E2E Copy ${stamp}`, Domain: domain.toUpperCase() });
    await page.getByRole('button', { name: 'Create account' }).click();
    const error = page.getByTestId('field-error-domain');
    await expectVisible(error, 'the duplicate-domain error under the Domain field');
    assert.match((await error.textContent()) || '', /already/i, 'the error should say that the domain is already used');
    assert.equal(new URL(page.url()).pathname, '/accounts/new', 'the form should stay open on a conflict');
    await screenshot(page, 'account-form-duplicate-domain');
    const link = error.getByTestId('conflict-link');
    if ((await link.count()) > 0) {
      await link.click();
      await waitForPath(page, new RegExp(`^/accounts/${original.id}$`), 'the existing account from the conflict link');
    }
  });
});

test('on a phone the menu button opens the navigation and the list is shown', async () => {
  await withPage('phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/accounts`);
    const menu = page.getByTestId('menu-button');
    await expectVisible(menu, 'the menu button on a 390 px wide screen');
    await expectHidden(page.getByTestId('nav-status'), 'the navigation (behind the menu button)');
    await expectVisible(page.locator('[data-testid="accounts-table"], [data-testid="accounts-empty"]'), 'the accounts list or its empty state');
    await expectNoSidewaysScroll(page, 'the page');
    await screenshot(page, 'phone-accounts');

    await menu.click();
    assert.equal(await menu.getAttribute('aria-expanded'), 'true', 'the menu button should report aria-expanded=true when open');
    await expectVisible(page.getByTestId('nav-status'), 'the Status link in the opened menu');
    await screenshot(page, 'phone-menu');
    await page.getByTestId('nav-status').click();
    await waitForPath(page, /^\/status$/, 'the Status screen from the phone menu');
    await expectHidden(page.getByTestId('nav-status'), 'the menu after choosing a screen');
    await expectText(page.getByTestId('health-database'), 'ok', 'the database status on a phone');
    await screenshot(page, 'phone-status');
  });
});

test('an account can be edited, with a cleared field, and deleted after confirming', async () => {
  const stamp = uniqueStamp();
  const name = `E2E Edit ${stamp}`;
  await withPage('edit-and-delete', {}, async (page) => {
    await page.goto(`${BASE}/accounts/new`);
    await fillAccountForm(page, { Name: name, Domain: `e2e-edit-${stamp}.example.com`, Industry: 'Retail', Country: 'FR' });
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForPath(page, DETAIL_PATH, "the new account's detail page");
    await expectText(page.getByTestId('account-name'), name, 'the detail page heading');
    const detailPath = new URL(page.url()).pathname;

    await page.getByTestId('edit-account').click();
    await waitForPath(page, /^\/accounts\/[^/]+\/edit$/, 'the edit form');
    assert.equal(await page.getByLabel('Industry', { exact: true }).inputValue(), 'Retail', 'the edit form should be filled in');
    const patches = [];
    page.on('request', (r) => r.method() === 'PATCH' && patches.push(r.postDataJSON()));
    await fillAccountForm(page, { Industry: 'Fintech', Country: '' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await waitForPath(page, DETAIL_PATH, 'the detail page after saving');
    assert.deepEqual(patches, [{ industry: 'Fintech', country: null }], 'the PATCH should carry only the changed fields, a cleared one as null');
    await expectText(page.getByTestId('account-industry'), 'Fintech', 'the edited industry');
    await expectText(page.getByTestId('account-country'), '—', 'the cleared country');

    await page.getByTestId('delete-account').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expectVisible(dialog, 'the delete confirmation dialog');
    await screenshot(page, 'account-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete account' }).click();
    await waitForPath(page, /^\/accounts$/, 'the accounts list after deleting');

    await page.goto(`${BASE}${detailPath}`);
    await expectVisible(page.getByTestId('not-found'), 'the not-found state for the deleted account');
    await screenshot(page, 'account-not-found');
  });
});

test('paging follows the cursors with Next and Previous, keeping the filter in the URL', async () => {
  const stamp = uniqueStamp();
  const industry = `E2E Paging ${stamp}`;
  const total = 27; // one page of 25 and a second of 2
  await withPage('paging', {}, async (page) => {
    for (let i = 0; i < total; i += 1) {
      const name = `E2E Page ${stamp} ${String(i).padStart(2, '0')}`;
      const res = await api(page, 'POST', '/accounts', { name, industry });
      assert.equal(res.status(), 201, `POST /api/v1/accounts for ${name} answered ${res.status()}: ${await res.text()}`);
    }
    const rowNames = async () => (await page.getByTestId('row').locator('td:first-child').allTextContents()).map((t) => t.trim());
    const waitForRows = (n, what) => waitForRowCount(page, n, what);

    await page.goto(`${BASE}/accounts?industry=${encodeURIComponent(industry)}`);
    assert.equal(await page.getByLabel('Industry').inputValue(), industry, 'the industry filter should be read from the URL');
    await waitForRows(25, 'on the first page');
    // Accounts are not counted (the table may be large): the first page says there are more.
    await expectText(page.getByTestId('pager-label'), '1–25 of many', 'the range of the first page, without a total');
    const first = await rowNames();
    assert.equal(first[0], `E2E Page ${stamp} 00`, 'the list should be sorted by name by default');
    assert.ok(await page.getByTestId('page-prev').isDisabled(), 'Previous should be disabled on the first page');

    await page.getByTestId('page-next').click();
    await waitForUrl(page, (url) => url.searchParams.has('cursor'), 'Next should put the cursor in the URL');
    await waitForRows(2, 'on the second page');
    assert.deepEqual(await rowNames(), [`E2E Page ${stamp} 25`, `E2E Page ${stamp} 26`], 'the second page should hold the last two accounts');
    assert.equal(new URL(page.url()).searchParams.get('industry'), industry, 'the filter should stay in the URL while paging');
    assert.ok(await page.getByTestId('page-next').isDisabled(), 'Next should be disabled on the last page');
    await expectText(page.getByTestId('pager-label'), '26–27 of 27', 'the range of the last page, which tells the total');
    await screenshot(page, 'accounts-page-2');

    await page.getByTestId('page-prev').click();
    await waitForRows(25, 'after going back to the first page');
    assert.deepEqual(await rowNames(), first, 'Previous should show the first page again');
    assert.equal(new URL(page.url()).searchParams.has('cursor'), false, 'the first page has no cursor in the URL');
  });
});
