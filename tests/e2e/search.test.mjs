// Browser tests of a search that matches more than a list sorts for one (1,000 candidates): the
// Contacts and Accounts lists show the best of the first matches, say so above the list, and
// another word in the box narrows the search until the notice goes. The people and companies
// come from one CSV import of a name shared by more than a thousand of each. Needs OCC_E2E_URL,
// OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  api,
  expectHidden,
  expectText,
  expectVisible,
  screenshot,
  setup,
  uniqueStamp,
  waitForPath,
  waitForRowCount,
  waitForUrl,
  withPage,
} from './helpers.mjs';

setup();

/** How many candidates a search sorts at most (`SEARCH_CANDIDATES`). */
const CANDIDATES = 1000;

/** People (and companies) sharing the searched name: more than a search sorts. */
const MANY = CANDIDATES + 20;

/** Imports `csv` in one request (`POST /api/v1/import`) and returns the finished job. */
async function importNow(page, csv) {
  const res = await api(page, 'POST', '/import?filename=capped.csv', csv, 'text/csv');
  const text = await res.text();
  assert.equal(res.status(), 200, `POST /api/v1/import answered ${res.status()}: ${text.slice(0, 500)}`);
  return JSON.parse(text).import;
}

test('a search matching more than a thousand people or companies says so, and a second word narrows it', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  const surname = `Capped${stamp}`;
  const company = `Cappedco${stamp}`;
  const lines = ['first_name,last_name,email,company,domain'];
  for (let i = 0; i < MANY; i += 1) {
    lines.push(`Pick${i}x,${surname},pick${i}@capped${i}-${stamp}.example,${company} Unit${i}x,capped${i}-${stamp}.example`);
  }
  const fmt = (page, n) => page.evaluate((x) => new Intl.NumberFormat().format(x), n);

  await withPage('search-capped', {}, async (page) => {
    const job = await importNow(page, `${lines.join('\n')}\n`);
    assert.equal(job.run?.counts?.created, MANY, `the import created everyone: ${JSON.stringify(job.run)}`);

    await page.goto(`${BASE}/contacts`);
    await waitForPath(page, /^\/contacts$/, 'the contacts list');
    await page.getByLabel('Search contacts').fill(surname);
    await waitForUrl(page, (url) => url.searchParams.get('q') === surname, `the search kept in the URL as q=${surname}`);
    const capped = page.getByTestId('search-capped');
    await expectVisible(capped, 'the notice that the search matched more than it sorts');
    const cap = await fmt(page, CANDIDATES);
    assert.match((await capped.textContent()) || '', new RegExp(`More than ${cap} contacts match this search`), 'the notice says how many it sorted');
    await waitForRowCount(page, 50, 'a full first page of the capped search');
    const names = await page.getByTestId('contact-name').allTextContents();
    assert.ok(names.every((n) => n.includes(surname)), `every row is one of those searched for: ${names.join(', ')}`);
    await screenshot(page, 'contacts-search-capped', { fullPage: true });

    // A first name too: one person, and the notice is gone.
    await page.getByLabel('Search contacts').fill(`${surname} Pick7x`);
    await waitForUrl(page, (url) => url.searchParams.get('q') === `${surname} Pick7x`, 'the narrower search in the URL');
    await waitForRowCount(page, 1, 'the one person both words match');
    await expectText(page.getByTestId('contact-name'), `Pick7x ${surname}`, 'the person both words name');
    await expectHidden(capped, 'the notice under a search that matches fewer than it sorts');

    // The companies: one per person, so as many match their shared name.
    await page.goto(`${BASE}/accounts`);
    await waitForPath(page, /^\/accounts$/, 'the accounts list');
    await page.getByTestId('accounts-search').fill(company);
    await waitForUrl(page, (url) => url.searchParams.get('q') === company, `the accounts search kept in the URL as q=${company}`);
    await expectVisible(capped, 'the notice on the accounts list');
    assert.match((await capped.textContent()) || '', new RegExp(`More than ${cap} accounts match this search`), "the accounts' notice");
    await page.getByTestId('accounts-search').fill(`${company} Unit7x`);
    await waitForUrl(page, (url) => url.searchParams.get('q') === `${company} Unit7x`, 'the narrower accounts search in the URL');
    await waitForRowCount(page, 1, 'the one company both words match');
    await expectHidden(capped, 'the notice under the narrower accounts search');
  });
});
