// Browser tests of the lists' totals in the pager: the Contacts list says "1–50 of N" with the
// total the API gives (unfiltered, and filtered by stage), "of many" under a text search, whose
// exact count the server does not make, and the last page tells its total from the range; the
// Opportunities list says its total too. Counts come from the API at the time of the test, so
// other data cannot make it wrong. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an
// admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, expectText, expectVisible, setup, uniqueStamp, withPage } from './helpers.mjs';

setup();

const PAGE = 50;

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The pager's label for the first page of `list` (an API answer), as the app writes numbers. */
async function firstPageLabel(page, list, many) {
  const fmt = (n) => page.evaluate((x) => new Intl.NumberFormat().format(x), n);
  const count = list.items.length;
  if (!list.next_cursor) return `${await fmt(count)} ${many}`;
  const of = typeof list.total === 'number' ? await fmt(list.total) : 'many';
  return `1–${await fmt(count)} of ${of}`;
}

test('the Contacts and Opportunities lists show their totals in the pager', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('list-totals', {}, async (page) => {
    // More contacts than a page, so every run has a second page: the same name to search for.
    for (let i = 0; i < PAGE + 1; i += 1) {
      await json(await api(page, 'POST', '/contacts', { first_name: `Tot${stamp}`, last_name: `N${i}` }), 'creating a contact');
    }

    const all = await json(await api(page, 'GET', `/contacts?limit=${PAGE}`), 'the contacts list');
    assert.equal(typeof all.total, 'number', 'the unfiltered list has a total');
    assert.ok(all.total > PAGE, 'more than a page');
    await page.goto(`${BASE}/contacts`);
    await expectText(page.getByTestId('pager-label'), await firstPageLabel(page, all, 'contacts'), 'the unfiltered total');
    assert.match(await page.getByTestId('pager-label').textContent(), /^1–50 of [\d,.\s]+$/, 'the form "1–50 of N"');

    const fresh = await json(await api(page, 'GET', `/contacts?stage=new&limit=${PAGE}`), 'the new contacts');
    assert.equal(typeof fresh.total, 'number', 'a stage filter has a total');
    await page.goto(`${BASE}/contacts?stage=new`);
    await expectText(page.getByTestId('pager-label'), await firstPageLabel(page, fresh, 'contacts'), 'the total of stage New');

    // A text search is not counted: "of many", then the last page tells it.
    const search = await json(await api(page, 'GET', `/contacts?q=Tot${stamp}&limit=${PAGE}`), 'the search');
    assert.equal(search.total, undefined, 'a search has no total');
    await page.goto(`${BASE}/contacts?q=Tot${stamp}`);
    await expectText(page.getByTestId('pager-label'), `1–${PAGE} of many`, 'a search without a total');
    await page.getByTestId('page-next').click();
    await expectText(page.getByTestId('pager-label'), `51–51 of 51`, 'the last page tells the total');

    const opportunities = await json(await api(page, 'GET', `/opportunities?limit=${PAGE}`), 'the opportunities list');
    await page.goto(`${BASE}/opportunities`);
    await expectVisible(page.getByTestId('pager-label'), 'the pager');
    if (opportunities.next_cursor) assert.equal(typeof opportunities.total, 'number', 'opportunities are counted');
    await expectText(page.getByTestId('pager-label'), await firstPageLabel(page, opportunities, 'opportunities'), "the opportunities' label");
  });
});
