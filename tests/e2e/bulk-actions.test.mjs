// Browser tests of enrolling and adding to a batch from the Contacts list: contacts selected,
// enrolled in a sequence after its first step was previewed for them (the outcome said per
// contact, one already in a sequence, their stage moved); one contact enrolled on its own and
// one who may not be contacted; contacts added to a new batch by name and then to that batch
// again (those already in it counted), the batch page listing them; both on a phone; a viewer
// offered neither.
// Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user);
// see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  api,
  expectNoSidewaysScroll,
  expectHidden,
  expectText,
  expectVisible,
  screenshot,
  setup,
  signInThroughApi,
  uniqueStamp,
  waitForPath,
  waitForRowCount,
  withPage,
} from './helpers.mjs';

setup();

const BATCH_PATH = /^\/batches\/(?!new$)[^/]+$/;

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An account of its own with a contact per `people` entry (`{ first_name, title?, status? }`), all named by `stamp`. */
async function peopleAt(page, stamp, people) {
  const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Bulk Co ${stamp}` }), 'creating an account');
  const out = [];
  for (const { status, ...p } of people) {
    const body = { last_name: stamp, account_id: account.id, email: `${p.first_name.toLowerCase()}-${stamp}@example.com`, ...p };
    const contact = await json(await api(page, 'POST', '/contacts', body), `creating ${p.first_name}`);
    if (status) {
      const { results } = await json(await api(page, 'POST', '/contacts/bulk', { ids: [contact.id], status }), `making ${p.first_name} ${status}`);
      assert.ok(results[0].ok, `${p.first_name} should be ${status}: ${JSON.stringify(results)}`);
    }
    out.push(contact);
  }
  return { account, contacts: out };
}

/** A sequence whose one email step is three days out, so no worker tick drafts it during the test. */
async function sequence(page, stamp) {
  return json(
    await api(page, 'POST', '/sequences', {
      name: `E2E bulk enroll ${stamp}`,
      steps: [
        {
          day_offset: 3,
          kind: 'email',
          subject: 'Hello {{first_name}}',
          template: 'Hi {{first_name}}, as {{title}} at {{company}} you may like this.',
          is_break_up: false,
        },
      ],
    }),
    'creating a sequence',
  );
}

/** The Contacts list searched for `stamp`, with `n` rows. */
async function listOf(page, stamp, n) {
  await page.goto(`${BASE}/contacts?q=${encodeURIComponent(stamp)}`);
  await waitForRowCount(page, n, `for the search ${stamp}`);
}

const row = (page, c) => page.locator(`[data-testid="row"][data-contact-id="${c.id}"]`);

async function select(page, ...contacts) {
  for (const c of contacts) await row(page, c).getByTestId('select-row').check();
  await expectText(page.getByTestId('bulk-count'), `${contacts.length} selected`, 'the selection count');
}

test('selected contacts are enrolled after the first step is previewed, one already in a sequence is said so, and their stage moves', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('bulk-enroll', {}, async (page) => {
    const { account, contacts } = await peopleAt(page, stamp, [
      { first_name: 'Ana', title: 'Head of Data' },
      { first_name: 'Bruno', title: 'CTO' },
      { first_name: 'Carla' },
    ]);
    const [ana, bruno, carla] = contacts;
    const seq = await sequence(page, stamp);
    // Carla is in the sequence already.
    await json(await api(page, 'POST', '/enrollments', { sequence_id: seq.id, contact_id: carla.id }), 'enrolling Carla beforehand');

    await listOf(page, stamp, 3);
    await select(page, ana, bruno, carla);
    await page.getByTestId('bulk-enroll').click();
    const dialog = page.getByTestId('enroll-dialog');
    await expectVisible(dialog, 'the enroll dialog');
    await expectText(dialog.locator('.dialog-title'), 'Enroll 3 contacts', 'the dialog title');

    const pick = dialog.getByTestId('enroll-sequence');
    await pick.locator(`option[value="${seq.id}"]`).waitFor({ state: 'attached' });
    await pick.selectOption(seq.id);
    const preview = dialog.getByTestId('enroll-preview');
    await expectVisible(preview, 'the first step previewed');
    await expectText(preview.getByTestId('enroll-preview-kind'), 'Email', 'the step’s channel');
    await expectText(preview.getByTestId('enroll-preview-when'), 'in 3 days', 'when the step is due, in words');
    await expectText(preview.getByTestId('enroll-preview-subject'), 'Hello Ana', 'the subject for the first contact selected');
    await expectText(preview.getByTestId('enroll-preview-body'), `Hi Ana, as Head of Data at ${account.name} you may like this.`, 'the message for Ana');
    assert.equal(await preview.getByTestId('unresolved').count(), 0, 'every field has a value for Ana');

    // Carla has no title: her preview shows the field unresolved, highlighted.
    await dialog.getByTestId('enroll-preview-for').selectOption(carla.id);
    await expectText(preview.getByTestId('enroll-preview-subject'), 'Hello Carla', 'the subject for Carla');
    await expectText(preview.getByTestId('unresolved'), '{{title}}', 'Carla’s missing title highlighted');
    await expectVisible(preview.getByTestId('enroll-preview-unresolved'), 'the note about the field without a value');
    await screenshot(page, 'bulk-enroll-preview');

    await dialog.getByTestId('enroll-submit').click();
    const outcome = dialog.getByTestId('enroll-outcome');
    await expectVisible(outcome, 'the enrollment outcome');
    await expectText(outcome.getByTestId('enroll-summary'), `2 enrolled, 1 already in a sequence — in ${seq.name}.`, 'the summary');
    const result = (c) => outcome.locator(`[data-testid="enroll-result"][data-contact-id="${c.id}"]`);
    for (const c of [ana, bruno]) assert.equal(await result(c).getAttribute('data-outcome'), 'enrolled', `${c.first_name} enrolled`);
    assert.equal(await result(carla).getAttribute('data-outcome'), 'already_enrolled', 'Carla was already in a sequence');
    assert.match(await result(carla).textContent(), /Carla \S+: Already in a sequence/, 'said in words, with her name');
    await screenshot(page, 'bulk-enroll-outcome');
    await dialog.getByTestId('enroll-close').click();
    await expectHidden(dialog, 'the enroll dialog after Done');

    const { items } = await json(await api(page, 'GET', `/enrollments?sequence_id=${seq.id}`), 'listing the enrollments');
    assert.deepEqual(items.map((e) => e.contact_id).sort(), [ana.id, bruno.id, carla.id].sort(), 'one enrollment each on the server');
    await page.reload();
    await waitForRowCount(page, 3, 'after the reload');
    for (const c of contacts) {
      await expectVisible(row(page, c).locator('[data-testid="stage-badge"][data-stage="sequencing"]'), `${c.first_name} in the sequencing stage`);
    }
  });
});

test('one contact is enrolled on its own, and one marked do not contact is told apart', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('bulk-enroll-one', {}, async (page) => {
    const { contacts } = await peopleAt(page, stamp, [{ first_name: 'Dora', title: 'VP Sales' }, { first_name: 'Emil', status: 'do_not_contact' }]);
    const [dora, emil] = contacts;
    const seq = await sequence(page, stamp);
    await listOf(page, stamp, 2);

    await select(page, dora);
    await page.getByTestId('bulk-enroll').click();
    const dialog = page.getByTestId('enroll-dialog');
    await expectText(dialog.locator('.dialog-title'), `Enroll Dora ${stamp}`, 'one contact’s name in the title');
    assert.equal(await dialog.getByTestId('enroll-preview-for').count(), 0, 'no contact to choose for the preview');
    await dialog.getByTestId('enroll-sequence').locator(`option[value="${seq.id}"]`).waitFor({ state: 'attached' });
    await dialog.getByTestId('enroll-sequence').selectOption(seq.id);
    await expectText(dialog.getByTestId('enroll-preview-subject'), 'Hello Dora', 'the preview for Dora');
    await dialog.getByTestId('enroll-submit').click();
    await expectText(dialog.getByTestId('enroll-summary'), `Enrolled in ${seq.name}.`, 'Dora enrolled');
    await dialog.getByTestId('enroll-close').click();
    await expectVisible(row(page, dora).locator('[data-stage="sequencing"]'), 'Dora’s new stage in the list, without a reload');

    await page.getByTestId('bulk-clear').click();
    await select(page, emil);
    await page.getByTestId('bulk-enroll').click();
    await dialog.getByTestId('enroll-sequence').locator(`option[value="${seq.id}"]`).waitFor({ state: 'attached' });
    await dialog.getByTestId('enroll-sequence').selectOption(seq.id);
    await dialog.getByTestId('enroll-submit').click();
    await expectText(dialog.getByTestId('enroll-summary'), 'Do not contact: never enrolled.', 'Emil refused, in words');
    assert.equal(await dialog.getByTestId('enroll-error').count(), 0, 'a refusal about the contact is its outcome, not an error');
    await page.keyboard.press('Escape');
    await expectHidden(dialog, 'the dialog after Escape');
  });
});

test('selected contacts go into a new batch by name, then into it again, and the batch page lists them', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('bulk-batch', {}, async (page) => {
    const { contacts } = await peopleAt(page, stamp, [{ first_name: 'Fay' }, { first_name: 'Gus' }, { first_name: 'Hana' }]);
    const [fay, gus, hana] = contacts;
    const name = `E2E bulk batch ${stamp}`;
    await listOf(page, stamp, 3);

    await select(page, fay, gus);
    await page.getByTestId('bulk-batch').click();
    const dialog = page.getByTestId('batch-add-dialog');
    await expectText(dialog.locator('.dialog-title'), 'Add 2 contacts to a batch', 'the dialog title');
    await dialog.getByTestId('batch-add-select').locator('option[value="new"]').waitFor({ state: 'attached' });
    await dialog.getByTestId('batch-add-select').selectOption('new');
    await dialog.getByTestId('batch-add-submit').click();
    await expectText(dialog.getByTestId('field-error-batch-name'), 'Give the new batch a name.', 'a name is asked for');
    await dialog.getByTestId('batch-add-new-name').fill(name);
    await dialog.getByTestId('batch-add-submit').click();
    const outcome = dialog.getByTestId('batch-add-outcome');
    await expectVisible(outcome, 'what adding did');
    assert.equal(await outcome.getAttribute('data-added'), '2', 'two added');
    assert.match(await outcome.textContent(), /2 contacts added\./);
    const href = await outcome.getByTestId('batch-add-link').getAttribute('href');
    const batchId = href.split('/').pop();
    await dialog.getByTestId('batch-add-close').click();
    await expectHidden(dialog, 'the dialog after Done');

    // The three, into the same batch: two of them are in it already.
    await select(page, fay, gus, hana);
    await page.getByTestId('bulk-batch').click();
    await dialog.getByTestId('batch-add-select').locator(`option[value="${batchId}"]`).waitFor({ state: 'attached' });
    const search = dialog.getByTestId('batch-add-search');
    if (await search.count()) await search.fill(stamp); // there are many batches: the search finds it
    await dialog.getByTestId('batch-add-select').selectOption(batchId);
    await dialog.getByTestId('batch-add-submit').click();
    await expectVisible(outcome, 'what adding again did');
    assert.equal(await outcome.getAttribute('data-added'), '1', 'Hana added');
    assert.equal(await outcome.getAttribute('data-already'), '2', 'Fay and Gus were in it already');
    assert.match(await outcome.textContent(), /3 members now\..*1 contact added\..*2 contacts were already in it\./s);
    await screenshot(page, 'bulk-batch-outcome');

    await outcome.getByTestId('batch-add-link').click();
    await waitForPath(page, BATCH_PATH, 'the batch page');
    await expectText(page.getByTestId('batch-title'), name, 'the batch’s name');
    await expectText(page.getByTestId('batch-member-count'), '3', 'its member count');
    for (const c of contacts) await expectVisible(page.locator(`[data-testid="member-row"][data-contact-id="${c.id}"]`), `${c.first_name} listed`);
  });
});

test('on a phone the bulk bar and the dialogs fit the screen', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('bulk-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const { contacts } = await peopleAt(page, stamp, [{ first_name: 'Jo', title: 'Founder' }]);
    await listOf(page, stamp, 1);
    await expectVisible(page.getByTestId('contact-cards'), 'the contacts as cards');
    await select(page, contacts[0]);
    await expectVisible(page.getByTestId('bulk-enroll'), 'Enroll in sequence in the bar');
    await expectNoSidewaysScroll(page, 'the list with the bulk bar');
    await page.getByTestId('bulk-enroll').click();
    const dialog = page.getByTestId('enroll-dialog');
    await expectVisible(dialog.getByTestId('enroll-sequence'), 'the sequences to choose from');
    await expectNoSidewaysScroll(page, 'the enroll dialog');
    await screenshot(page, 'bulk-phone-enroll');
    await page.keyboard.press('Escape');
    await expectHidden(dialog, 'the enroll dialog after Escape');
    await page.getByTestId('bulk-batch').click();
    await expectVisible(page.getByTestId('batch-add-select'), 'the batches to choose from');
    await expectNoSidewaysScroll(page, 'the Add to batch dialog');
    await screenshot(page, 'bulk-phone-batch');
  });
});

test('a viewer is offered neither enrolling nor adding to a batch', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  const viewer = { email: `e2e-bulk-viewer-${stamp}@example.com`, password: `viewer-pass-${stamp}` };
  await withPage('bulk-viewer-setup', {}, async (page) => {
    await peopleAt(page, stamp, [{ first_name: 'Ivo' }]);
    await json(await api(page, 'POST', '/users', { ...viewer, name: `E2E Bulk viewer ${stamp}`, role: 'viewer' }), 'creating a viewer');
  });
  await withPage('bulk-viewer', { signedIn: false }, async (page) => {
    await signInThroughApi(page.request, viewer);
    await listOf(page, stamp, 1);
    assert.equal(await page.getByTestId('select-row').count(), 0, 'a viewer selects no rows');
    assert.equal(await page.getByTestId('bulk-enroll').count(), 0, 'no Enroll in sequence');
    assert.equal(await page.getByTestId('bulk-batch').count(), 0, 'no Add to batch');
  });
});
