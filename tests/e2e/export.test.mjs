// Browser test of Export CSV: the contacts list's button downloads every contact its filters
// show (not just the page on screen), as CSV. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD; see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, expectVisible, setup, withPage } from './helpers.mjs';

setup();

test('Export CSV downloads the contacts the filters show', async () => {
  await withPage('export', {}, async (page) => {
    await page.goto(`${BASE}/contacts?seniority=vp,director&sort=created_at`);
    await expectVisible(page.getByTestId('contacts-list'), 'the contacts list');
    const link = page.getByTestId('export-csv');
    await expectVisible(link, 'the Export CSV button');
    const href = await link.getAttribute('href');
    assert.match(href, /^\/api\/v1\/export\/contacts\?/, `the export route: ${href}`);
    const query = new URL(href, BASE).searchParams;
    assert.equal(query.get('seniority'), 'vp,director', 'the filters go with it');
    assert.equal(query.get('sort'), 'created_at', 'and the sort');
    assert.equal(query.get('cursor'), null, 'every page, not the one on screen');
    assert.equal(await link.getAttribute('download'), 'contacts.csv', 'a download, not a navigation');

    const file = await page.evaluate(async (url) => {
      const r = await fetch(url);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    assert.equal(file.status, 200);
    assert.equal(file.type, 'text/csv; charset=utf-8');
    const lines = file.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 5), ['id', 'first_name', 'last_name', 'title', 'seniority']);
    const rows = lines.slice(1).filter((l) => /^[0-9a-f-]{36},/.test(l));
    assert.ok(rows.length > 0, 'the demo has senior people');

    // The same people as the list, across all its pages.
    let ids = [];
    let cursor = null;
    do {
      const qs = `seniority=vp,director&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const listed = await (await api(page, 'GET', `/contacts?${qs}`)).json();
      ids = ids.concat(listed.items.map((c) => c.id));
      cursor = listed.next_cursor;
    } while (cursor);
    assert.deepEqual(new Set(rows.map((l) => l.slice(0, 36))), new Set(ids), 'every listed contact, once');
  });
});
