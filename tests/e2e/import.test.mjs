// Browser tests of the import wizard: a CSV file (BOM, CRLF, a quoted comma, a blank line, an
// invalid row, a duplicate of a demo contact, two new people at a new company) uploaded, its
// columns matched, a dry run, the real run and the new people in the contacts list; and the
// errors a wrong file or mapping shows, with the report's paging. Needs OCC_E2E_URL,
// OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BASE,
  PHONE,
  WAIT_MS,
  api,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  screenshot,
  setup,
  uniqueStamp,
  waitForPath,
  withPage,
  expectTitle,
} from './helpers.mjs';

setup();

const dir = await mkdtemp(path.join(tmpdir(), 'occ-e2e-import-'));
after(() => rm(dir, { recursive: true, force: true }));

/** A CSV field, quoted when it must be. */
const field = (v) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Writes `rows` (arrays of fields; null for a blank line) as a CSV file with a BOM and CRLF line ends. */
async function writeCsv(name, rows) {
  const file = path.join(dir, name);
  const lines = rows.map((r) => (r === null ? '' : r.map(field).join(',')));
  await writeFile(file, `\ufeff${lines.join('\r\n')}\r\n`, 'utf8');
  return file;
}

/** The counts a phase shows, by outcome. */
async function readCounts(page, testid) {
  const counts = page.getByTestId(testid);
  await expectVisible(counts, `the counts (${testid})`);
  const out = {};
  for (const key of ['created', 'updated', 'skipped_duplicate', 'invalid', 'suppressed']) {
    out[key] = Number(await counts.getByTestId(`count-${key}`).getAttribute('data-count'));
  }
  return out;
}

/** The field each column is mapped to ('' for Ignore), by column name. */
async function readMapping(page) {
  return page
    .getByTestId('mapping-select')
    .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.header, e.value])));
}

/**
 * Waits for the report to have loaded `n` rows, all with `outcome` when given (after a change of
 * filter the previous rows stay on screen until the new ones arrive).
 */
async function waitForReportRows(page, n, what, outcome = null) {
  const report = page.locator('.report');
  const rows = page.getByTestId('report-row');
  const deadline = Date.now() + WAIT_MS;
  let seen = null;
  while (Date.now() < deadline) {
    const busy = (await report.getAttribute('aria-busy').catch(() => null)) !== 'false';
    const outcomes = await rows.evaluateAll((els) => els.map((e) => e.dataset.outcome));
    seen = outcomes;
    if (!busy && outcomes.length === n && (!outcome || outcomes.every((o) => o === outcome))) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`expected ${n} report rows${outcome ? ` (${outcome})` : ''} ${what}, the report shows ${JSON.stringify(seen)}`);
}

/** Waits for a phase (a dry run or the real run) to finish: long work may take several steps. */
async function waitForCounts(page, testid, what) {
  try {
    await page.getByTestId(testid).waitFor({ state: 'visible', timeout: WAIT_MS * 3 });
  } catch {
    const error = await page.getByTestId('run-error').textContent().catch(() => null);
    assert.fail(`expected ${what} to finish and show its counts${error ? `; the page shows the error: ${error}` : ''}`);
  }
}

test('a CSV file is uploaded, mapped, dry run and imported; the new people are in the contacts list', async () => {
  const stamp = uniqueStamp();
  const company = `Importco ${stamp}`;
  const domain = `importco-${stamp}.com`;
  const last = `Lovelace${stamp}`;
  await withPage('import', {}, async (page) => {
    const listed = await api(page, 'GET', '/contacts?has_email=true&limit=1');
    assert.equal(listed.status(), 200, `listing contacts answered ${listed.status()}`);
    const existing = (await listed.json()).items[0];
    assert.ok(existing && existing.email, 'the demo data should have a contact with an email');

    const file = await writeCsv(`leads-${stamp}.csv`, [
      ['First Name', 'Last Name', 'Email', 'Title', 'Company', 'Website', 'Notes'],
      ['Ada', last, `ada.${stamp}@${domain}`, 'VP Sales', company, `https://${domain}`, 'Met at SaaStr, keen on a pilot'],
      ['Grace', last, `grace.${stamp}@${domain}`, 'Head of Operations', company, `https://${domain}`, ''],
      null,
      ['Bad', `Email${stamp}`, 'not-an-email', 'Manager', company, `https://${domain}`, ''],
      [existing.first_name, existing.last_name, existing.email, existing.title, existing.account ? existing.account.name : '', '', 'Already known'],
    ]);

    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-import').click();
    await waitForPath(page, /^\/import$/, 'the import page');
    await expectTitle(page, 'Import · OCC');
    await expectVisible(page.getByTestId('import-upload'), 'the upload step');
    await page.getByTestId('import-file').setInputFiles(file);
    await expectText(page.getByTestId('import-file-name'), `leads-${stamp}.csv`, 'the chosen file');
    await page.getByTestId('mode-create').check();
    await screenshot(page, 'import-upload');
    await page.getByTestId('upload-start').click();

    // The job has its own address, and the mapping follows the upload.
    await waitForPath(page, /^\/import\/[^/]+$/, 'the import job page (/import/{id})');
    const jobId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]);
    await expectVisible(page.getByTestId('import-mapping'), 'the mapping step after the upload');
    const job = await (await api(page, 'GET', `/imports/${jobId}`)).json();
    assert.equal(job.status, 'ready', `every part has arrived: ${JSON.stringify(job)}`);
    assert.deepEqual(job.headers, ['First Name', 'Last Name', 'Email', 'Title', 'Company', 'Website', 'Notes'], 'the headers, without the BOM');

    const mapping = await readMapping(page);
    assert.deepEqual(Object.keys(mapping), job.headers, 'a select per column');
    const guessed = { 'First Name': 'first_name', 'Last Name': 'last_name', Email: 'email', Title: 'title', Company: 'company', Notes: 'notes' };
    for (const [header, wanted] of Object.entries(guessed)) {
      assert.equal(mapping[header], wanted, `the guessed field of ${header}: ${JSON.stringify(mapping)}`);
    }
    assert.ok(['website', 'domain'].includes(mapping.Website), `Website is guessed as the company's website or domain, not ${mapping.Website}`);
    const notes = page.getByTestId('mapping-row').filter({ has: page.locator('[data-header="Notes"]') });
    await expectVisible(notes.getByText('Met at SaaStr, keen on a pilot', { exact: true }), 'the quoted sample value with its comma');
    await screenshot(page, 'import-mapping', { fullPage: true });

    // The dry run: nothing is saved, the counts and the invalid row's reason show.
    await page.getByTestId('mapping-save').click();
    await waitForCounts(page, 'dry-run-counts', 'the dry run');
    assert.deepEqual(
      await readCounts(page, 'dry-run-counts'),
      { created: 2, updated: 0, skipped_duplicate: 1, invalid: 1, suppressed: 0 },
      'the dry run counts: two new people, one duplicate, one invalid row (the blank line is no row)',
    );
    await expectText(page.getByTestId('dry-run-counts-companies'), '1 new company would be created for these people.', 'the new company the two people share');
    await waitForReportRows(page, 4, 'in the dry-run report');
    await page.getByTestId('report-filter-invalid').click();
    await waitForReportRows(page, 1, 'with the invalid filter', 'invalid');
    const invalid = page.getByTestId('report-row').first();
    assert.match((await invalid.getByTestId('report-reason').textContent()) || '', /email/i, 'the reason names the email');
    // Line 5 of the file: the header, Ada, Grace, the blank line, then the invalid row.
    assert.equal(((await invalid.locator('td').first().textContent()) || '').trim(), '5', 'the invalid row is shown at its line in the file');
    await page.getByTestId('report-filter-skipped_duplicate').click();
    await waitForReportRows(page, 1, 'with the duplicate filter', 'skipped_duplicate');
    assert.match((await page.getByTestId('report-row').first().textContent()) || '', new RegExp(existing.email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i'), 'the duplicate row is the existing contact');
    const none = await (await api(page, 'GET', `/contacts?q=${encodeURIComponent(last)}`)).json();
    assert.equal(none.items.length, 0, 'a dry run saves nobody');
    await screenshot(page, 'import-dry-run', { fullPage: true });

    // Back to the mapping and forth again keeps the result.
    await page.getByTestId('back-to-mapping').click();
    await expectVisible(page.getByTestId('import-mapping'), 'the mapping again');
    await page.getByTestId('mapping-back').click();
    await expectVisible(page.getByTestId('dry-run-counts'), 'the dry run result again');

    // The real run.
    await expectText(page.getByTestId('run-import'), 'Import 2 rows', 'the import button');
    await page.getByTestId('run-import').click();
    await waitForCounts(page, 'run-counts', 'the import');
    await expectVisible(page.getByTestId('run-done'), 'the finished import');
    assert.deepEqual(
      await readCounts(page, 'run-counts'),
      { created: 2, updated: 0, skipped_duplicate: 1, invalid: 1, suppressed: 0 },
      'the final counts',
    );
    await waitForReportRows(page, 4, 'in the final report');
    await screenshot(page, 'import-done', { fullPage: true });

    const saved = await (await api(page, 'GET', `/contacts?q=${encodeURIComponent(last)}`)).json();
    assert.deepEqual(saved.items.map((c) => c.first_name).sort(), ['Ada', 'Grace'], 'the two new people are saved');
    for (const c of saved.items) assert.equal(c.account && c.account.name, company, `${c.first_name} works at the new company`);
    const ada = saved.items.find((c) => c.first_name === 'Ada');
    assert.equal(ada.email, `ada.${stamp}@${domain}`);
    assert.equal(ada.notes, 'Met at SaaStr, keen on a pilot', 'the quoted note with its comma');

    // A reload of the job's address shows the finished import.
    await page.reload();
    await expectVisible(page.getByTestId('run-done'), 'the finished import after a reload');
    assert.equal((await readCounts(page, 'run-counts')).created, 2, 'the counts after a reload');
    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, 'the import report');
    await screenshot(page, 'phone-import-done', { fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The start page lists the import; its link opens the finished job.
    await page.getByTestId('new-import').click();
    await waitForPath(page, /^\/import$/, 'the start of a new import');
    const recent = page.getByTestId('recent-import').filter({ hasText: `leads-${stamp}.csv` });
    await expectVisible(recent, 'the import among the recent imports');
    await expectText(recent.getByTestId('recent-import-status'), 'Imported', 'the status of the finished import');
    // Back shows the finished job as the server has it (nothing is sent again).
    await page.goBack();
    await waitForPath(page, new RegExp(`^/import/${jobId}$`), 'the finished import after Back');
    await expectVisible(page.getByTestId('run-done'), 'the finished import after Back');
    assert.equal(await page.getByTestId('upload-error').count(), 0, 'Back uploads nothing again');
    await page.goForward();
    await waitForPath(page, /^\/import$/, 'the start page after Forward');
    await recent.getByRole('link', { name: `leads-${stamp}.csv` }).click();
    await waitForPath(page, new RegExp(`^/import/${jobId}$`), 'the finished import from the recent list');
    await expectVisible(page.getByTestId('run-done'), 'the finished import opened from the list');

    // The contacts list finds the new people.
    await page.getByTestId('open-contacts').click();
    await waitForPath(page, /^\/contacts$/, 'the contacts list');
    await page.getByTestId('contacts-search').fill(last);
    await expectVisible(page.getByTestId('row').filter({ hasText: `Ada ${last}` }), `Ada ${last} in the contacts list`);
    await expectVisible(page.getByTestId('row').filter({ hasText: `Grace ${last}` }), `Grace ${last} in the contacts list`);
  });
});

test('the wizard refuses a file that is not CSV and a field chosen twice, and pages a long report', async () => {
  const stamp = uniqueStamp();
  await withPage('import-errors', { viewport: PHONE, mobile: true }, async (page) => {
    const text = path.join(dir, `notes-${stamp}.txt`);
    await writeFile(text, 'not a table', 'utf8');
    const rows = [['Email', 'Name', 'Other email']];
    for (let i = 0; i < 55; i += 1) rows.push([`broken-${i}-${stamp}`, `Broken ${i}`, '']);
    const csv = await writeCsv(`broken-${stamp}.csv`, rows);

    await page.goto(`${BASE}/import`);
    await expectVisible(page.getByTestId('import-upload'), 'the upload step on a phone');
    await expectNoSidewaysScroll(page, 'the upload step');
    await page.getByTestId('import-file').setInputFiles(text);
    await expectVisible(page.getByTestId('upload-error'), 'the error for a file that is not CSV');
    assert.match((await page.getByTestId('upload-error').textContent()) || '', /csv/i, 'the error says a CSV file is needed');

    await page.getByTestId('import-file').setInputFiles(csv);
    await page.getByTestId('mode-upsert').check();
    await page.getByTestId('upload-start').click();
    await expectVisible(page.getByTestId('import-mapping'), 'the mapping step');
    await expectNoSidewaysScroll(page, 'the mapping step');

    // Two columns for one field: both say so, and nothing is saved.
    await page.locator('[data-testid="mapping-select"][data-header="Email"]').selectOption('email');
    await page.locator('[data-testid="mapping-select"][data-header="Other email"]').selectOption('email');
    await page.getByTestId('mapping-save').click();
    await expectVisible(page.getByTestId('mapping-form-error'), 'the mapping error');
    assert.equal(await page.getByTestId('mapping-error').count(), 2, 'both columns show the clash');
    await screenshot(page, 'phone-import-mapping-error', { fullPage: true });
    await page.locator('[data-testid="mapping-select"][data-header="Other email"]').selectOption('');
    await page.locator('[data-testid="mapping-select"][data-header="Name"]').selectOption('full_name');
    await page.getByTestId('mapping-save').click();

    await waitForCounts(page, 'dry-run-counts', 'the dry run');
    const counts = await readCounts(page, 'dry-run-counts');
    assert.equal(counts.invalid, 55, `every row has a broken email: ${JSON.stringify(counts)}`);
    await expectText(page.getByTestId('run-import'), 'Import 0 rows', 'the import button with nothing to import');
    assert.equal(await page.getByTestId('run-import').isDisabled(), true, 'nothing to import: the button is disabled');
    await waitForReportRows(page, 50, 'on the first page of the report');
    await page.getByTestId('report-more').click();
    await waitForReportRows(page, 55, 'after Load more');
    assert.equal(await page.getByTestId('report-more').count(), 0, 'no more to load');
    await expectNoSidewaysScroll(page, 'the dry-run report');
    await screenshot(page, 'phone-import-dry-run', { fullPage: true });
  });
});
