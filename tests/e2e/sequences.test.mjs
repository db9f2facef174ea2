// Browser tests of Sequences: a new sequence made in the editor with two steps, its live preview
// for a sample contact, saving, a reload, editing a step's template, and the server's 422 for an
// unknown merge field shown next to its step. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
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

const SEQUENCE_PATH = /^\/sequences\/(?!new$)[^/]+$/;

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

test('an admin creates a sequence with two steps, previews it, saves, reloads and edits a step', { timeout: 60_000 }, async () => {
  const name = `E2E sequence ${uniqueStamp()}`;
  await withPage('sequences', {}, async (page) => {
    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-sequences').click();
    await waitForPath(page, /^\/sequences$/, 'the sequences list');
    await page.getByTestId('new-sequence').click();
    await waitForPath(page, /^\/sequences\/new$/, 'the new sequence form');
    await expectVisible(page.getByTestId('sequence-form'), 'the new sequence form');
    await page.waitForFunction(() => document.title === 'New sequence · OCC', null, { timeout: 5000 }).catch(() => {});
    await expectTitle(page, 'New sequence · OCC');

    await page.getByTestId('seq-name').fill(name);
    await page.getByTestId('seq-description').fill('Made by sequences.test.mjs');
    const steps = page.getByTestId('step');
    const one = steps.nth(0);
    await one.getByTestId('step-subject').fill('Hello from {{sender_first_name}}');
    await one.getByTestId('step-template').fill('Hi {{first_name}}, how is {{company}}? {{nickname}} Reply stop to opt out.');

    // The preview fills in the sample contact's first name and highlights the unknown field.
    const sample = page.getByTestId('sample-contact');
    await page.waitForFunction(() => document.querySelector('[data-testid="sample-contact"]')?.value, null, { timeout: 10_000 });
    const sampleId = await sample.inputValue();
    assert.ok(sampleId, 'a sample contact is picked');
    const contact = await json(await api(page, 'GET', `/contacts/${encodeURIComponent(sampleId)}`), 'reading the sample contact');
    const preview = one.getByTestId('step-preview');
    await expectVisible(preview.getByTestId('preview-body').filter({ hasText: `Hi ${contact.first_name},` }), "the sample contact's first name in the preview");
    await expectText(preview.getByTestId('unresolved'), '{{nickname}}', 'the unknown merge field highlighted');
    await one.getByTestId('step-template').fill('Hi {{first_name}}, how is {{company}}? Reply stop to opt out.');
    await expectVisible(preview.getByTestId('preview-body').filter({ hasText: `Hi ${contact.first_name},` }), 'the preview after the edit');
    assert.equal(await preview.getByTestId('unresolved').count(), 0, 'nothing unresolved once the unknown field is gone');

    // A second step: a LinkedIn message three days later, the break-up.
    await page.getByTestId('add-step').click();
    const two = steps.nth(1);
    await two.getByTestId('step-day').fill('3');
    await two.getByTestId('step-kind').selectOption('linkedin_message');
    assert.equal(await two.getByTestId('step-subject').count(), 0, 'a LinkedIn step has no subject');
    await two.getByTestId('step-template').fill('{{first_name}}, one last note before I close the file.');
    await two.getByTestId('step-breakup').check();
    await screenshot(page, 'sequence-new', { fullPage: true });

    await page.getByTestId('seq-save').click();
    await waitForPath(page, SEQUENCE_PATH, "the new sequence's page");
    const id = new URL(page.url()).pathname.split('/').pop();
    const created = await json(await api(page, 'GET', `/sequences/${id}`), 'reading the new sequence');
    assert.equal(created.name, name);
    assert.deepEqual(
      created.steps.map((s) => [s.day_offset, s.kind, s.is_break_up]),
      [
        [0, 'email', false],
        [3, 'linkedin_message', true],
      ],
      'the saved steps',
    );

    // After a reload the editor shows what was saved; edit the second step's template.
    await page.reload();
    await expectVisible(page.getByTestId('sequence-form'), 'the editor after a reload');
    assert.equal(await page.getByTestId('seq-name').inputValue(), name, 'the name after a reload');
    assert.equal(await steps.count(), 2, 'two steps after a reload');
    await steps.nth(1).getByTestId('step-template').fill('{{first_name}}, closing the file for now. Thanks!');
    await page.getByTestId('seq-save').click();
    await expectVisible(page.getByTestId('toast').filter({ hasText: 'Sequence saved' }), 'the saved toast');
    const edited = await json(await api(page, 'GET', `/sequences/${id}`), 'reading the edited sequence');
    assert.equal(edited.steps[1].template, '{{first_name}}, closing the file for now. Thanks!', 'the edited template');
    assert.equal(edited.steps[1].id, created.steps[1].id, 'the step was edited in place');

    // An unknown merge field: the server's 422 is shown next to that step.
    await steps.nth(0).getByTestId('step-template').fill('Hi {{first_name}}, about {{favourite_colour}}. Reply stop to opt out.');
    await page.getByTestId('seq-save').click();
    const error = steps.nth(0).getByTestId('field-error-step-template');
    await expectVisible(error, 'the merge field error next to the first step');
    assert.equal(await steps.nth(1).getByTestId('field-error-step-template').count(), 0, 'no error on the second step');
    await screenshot(page, 'sequence-422', { fullPage: true });
    const unchanged = await json(await api(page, 'GET', `/sequences/${id}`), 'reading the sequence again');
    assert.equal(unchanged.steps[0].template, created.steps[0].template, 'the refused template was not saved');

    // The list shows the sequence with its status and steps.
    await page.getByTestId('nav-sequences').click();
    const row = page.getByTestId('row').filter({ hasText: name });
    await expectVisible(row, 'the sequence in the list');
    await expectText(row.getByTestId('sequence-steps'), '2', 'the steps count');
    await expectText(row.getByTestId('sequence-status'), 'Active', 'the status');
  });
});

test("removing a step while contacts are enrolled shows the server's 409 over the steps", { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('sequences-409', {}, async (page) => {
    const sequence = await json(
      await api(page, 'POST', '/sequences', {
        name: `E2E enrolled ${stamp}`,
        // Active (enrolling needs it), with steps far enough out that none fires during the test.
        steps: [
          { day_offset: 30, kind: 'call', template: 'Call {{first_name}} about {{company}}.', is_break_up: false },
          { day_offset: 32, kind: 'linkedin_message', template: 'Hi {{first_name}}, following up.', is_break_up: false },
        ],
      }),
      'creating a sequence',
    );
    // A new contact: a contact is in one active sequence at a time.
    const person = await json(await api(page, 'POST', '/contacts', { first_name: 'Enrolled', last_name: stamp, email: `enrolled-${stamp}@example.com` }), 'creating a contact');
    await json(await api(page, 'POST', '/enrollments', { sequence_id: sequence.id, contact_id: person.id }), 'enrolling a contact');

    await page.goto(`${BASE}/sequences/${sequence.id}`);
    await expectVisible(page.getByTestId('sequence-form'), 'the editor');
    await expectVisible(page.getByTestId('sequence-summary').filter({ hasText: '1 active' }), 'the enrolled count');
    await page.getByTestId('step').nth(1).getByTestId('step-remove').click();
    await page.getByTestId('seq-save').click();
    const refusal = page.getByTestId('field-error-steps').or(page.getByTestId('form-error'));
    await expectVisible(refusal, "the server's refusal");
    assert.match(await refusal.first().textContent(), /contact is in this sequence|enrolled/i, 'the refusal says why');
    const after = await json(await api(page, 'GET', `/sequences/${sequence.id}`), 'reading the sequence');
    assert.equal(after.steps.length, 2, 'the step was not removed');
  });
});

test('the sequences screens fit a phone', async () => {
  await withPage('sequences-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/sequences/new`);
    await expectVisible(page.getByTestId('sequence-form'), 'the new sequence form');
    await expectNoSidewaysScroll(page, 'the sequence editor');
    await page.goto(`${BASE}/sequences`);
    await expectVisible(page.getByTestId('sequences-list'), 'the sequences list');
    await expectNoSidewaysScroll(page, 'the sequences list');
    await screenshot(page, 'sequences-phone', { fullPage: true });
  });
});
