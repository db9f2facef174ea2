// Browser tests of Review: drafts made by a sequence step for three demo contacts, approved with
// the keyboard (a), moved through with j, one rejected with r and a reason, and the bulk
// approve; each checked in the API. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an
// admin, such as the demo user); see helpers.mjs. The server's worker tick (every few seconds)
// turns the enrollments into pending drafts.
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

const DRAFT_WAIT_MS = 45_000;

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

/** `n` active demo contacts with an email and an account (so every merge field resolves), in no running sequence. */
async function pickContacts(page, n) {
  const { items } = await json(await api(page, 'GET', '/contacts?limit=200'), 'listing contacts');
  const fit = [];
  for (const c of items.filter((c) => c.email && c.account && c.first_name && c.status === 'active')) {
    // A contact is in one active sequence at a time: skip those a rerun left in one.
    const { items: enrolled } = await json(await api(page, 'GET', `/enrollments?contact_id=${encodeURIComponent(c.id)}`), 'listing enrollments');
    if (enrolled.some((e) => e.status === 'active' || e.status === 'paused')) continue;
    fit.push(c);
    if (fit.length === n) break;
  }
  assert.ok(fit.length >= n, `the demo data should have ${n} active contacts with an email and an account and no running sequence, it has ${fit.length}`);
  return fit;
}

/** A sequence whose first step, an email on day 0, resolves for the demo contacts. */
async function createSequence(page, stamp) {
  return json(
    await api(page, 'POST', '/sequences', {
      name: `E2E review ${stamp}`,
      description: 'Made by review.test.mjs',
      steps: [
        {
          day_offset: 0,
          kind: 'email',
          subject: 'A question for {{company}}',
          template:
            'Hi {{first_name}},\n\nI noticed the team at {{company}} is growing and wondered how you handle outbound today. ' +
            'Would a short call next week be useful?\n\nIf this is not relevant, reply stop and I will not write again.',
          is_break_up: false,
        },
      ],
    }),
    'creating the sequence',
  );
}

/** Polls until each enrollment has a pending draft; returns the drafts in contact order. */
async function waitForDrafts(page, enrolled) {
  const deadline = Date.now() + DRAFT_WAIT_MS;
  const found = new Map();
  while (Date.now() < deadline && found.size < enrolled.length) {
    for (const e of enrolled) {
      if (found.has(e.contact_id)) continue;
      const { items } = await json(await api(page, 'GET', `/drafts?contact_id=${encodeURIComponent(e.contact_id)}&approval_status=pending`), 'listing drafts');
      const draft = items.find((d) => d.enrollment_id === e.enrollment_id);
      if (draft) found.set(e.contact_id, draft);
    }
    if (found.size < enrolled.length) await page.waitForTimeout(1000);
  }
  assert.equal(found.size, enrolled.length, `every enrollment should have a pending draft within ${DRAFT_WAIT_MS / 1000} s, ${found.size} of ${enrolled.length} do`);
  return enrolled.map((e) => found.get(e.contact_id));
}

async function draftStatus(page, id) {
  const draft = await json(await api(page, 'GET', `/drafts/${encodeURIComponent(id)}`), 'reading a draft');
  return draft;
}

async function waitForStatus(page, id, status, what) {
  const deadline = Date.now() + 10_000;
  let draft;
  while (Date.now() < deadline) {
    draft = await draftStatus(page, id);
    if (draft.approval_status === status) return draft;
    await page.waitForTimeout(200);
  }
  assert.fail(`${what}: the draft should be ${status}, it is ${draft && draft.approval_status}`);
}

/** Focuses the draft `id` in the queue by clicking its row. */
async function focusDraft(page, id) {
  await page.locator(`[data-testid="draft-item"][data-draft-id="${id}"] .review-item-button`).click();
  await expectVisible(page.locator(`[data-testid="draft-focused"][data-draft-id="${id}"]`), `the draft ${id} in focus`);
  // Leave the focus on the page, not on a control, so the shortcuts apply.
  await page.locator('body').click({ position: { x: 5, y: 5 } }).catch(() => {});
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
}

test('a reviewer approves with a, moves with j, rejects with r and a reason, and bulk approves', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('review', {}, async (page) => {
    const people = await pickContacts(page, 3);
    const sequence = await createSequence(page, stamp);
    const { results } = await json(
      await api(page, 'POST', '/enrollments', { sequence_id: sequence.id, contact_ids: people.map((c) => c.id) }),
      'enrolling the contacts',
    );
    assert.ok(results.every((r) => r.ok), `every contact should be enrolled: ${JSON.stringify(results)}`);
    const [first, second, third] = await waitForDrafts(page, results);

    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-review').click();
    await waitForPath(page, /^\/review$/, 'the review screen');
    await expectVisible(page.getByTestId('draft-focused'), 'a draft in focus');
    await page.waitForFunction(() => document.title === 'Review · OCC', null, { timeout: 5000 }).catch(() => {});
    await expectTitle(page, 'Review · OCC');
    await expectVisible(page.getByTestId('shortcut-hint'), 'the shortcut hint');
    for (const d of [first, second, third]) {
      await expectVisible(page.locator(`[data-testid="draft-item"][data-draft-id="${d.id}"]`), `the draft to ${d.contact_name} in the queue`);
    }

    // The first draft: its contact, subject, body and quality report; then a approves it.
    await focusDraft(page, first.id);
    const card = page.getByTestId('draft-focused');
    await expectText(card.getByTestId('draft-contact'), first.contact_name, 'the contact of the focused draft');
    assert.equal(await card.getByTestId('draft-contact').getAttribute('href'), `/contacts/${first.contact_id}`, 'the contact name links to the contact');
    const subject = (await card.getByTestId('draft-subject').textContent()).trim();
    assert.ok(subject.startsWith('A question for ') && !subject.includes('{{'), `the subject should be filled in, it is ${subject}`);
    assert.ok((await card.getByTestId('draft-body').textContent()).includes('reply stop'), 'the body is shown');
    await expectVisible(card.getByTestId('quality-passed'), 'the quality report');
    await screenshot(page, 'review', { fullPage: true });
    await page.keyboard.press('a');
    await waitForStatus(page, first.id, 'approved', 'after pressing a');
    await expectVisible(page.locator(`[data-testid="draft-item"][data-draft-id="${first.id}"][data-status="approved"]`), 'the approved draft marked in the queue');

    // j and k move the focus down and up the queue.
    await focusDraft(page, second.id);
    const ids = await page.getByTestId('draft-item').evaluateAll((els) => els.map((el) => el.dataset.draftId));
    const at = ids.indexOf(second.id);
    if (at < ids.length - 1) {
      await page.keyboard.press('j');
      await expectVisible(page.locator(`[data-testid="draft-focused"][data-draft-id="${ids[at + 1]}"]`), 'the next draft after j');
      await page.keyboard.press('k');
      await expectVisible(page.locator(`[data-testid="draft-focused"][data-draft-id="${second.id}"]`), 'the draft again after k');
    }

    // Typing in a field does not trigger shortcuts: r opens the reason, whose own "a" is text.
    await page.keyboard.press('r');
    const reason = page.getByTestId('reject-reason');
    await expectVisible(reason, 'the reason to reject');
    await reason.fill('');
    await reason.type('Too generic, add a real signal');
    assert.equal(await draftStatus(page, second.id).then((d) => d.approval_status), 'pending', 'typing "a" in the reason does not approve');
    await page.getByTestId('reject-confirm').click();
    const rejected = await waitForStatus(page, second.id, 'rejected', 'after rejecting with a reason');
    assert.equal(rejected.notes, 'Too generic, add a real signal', 'the reason is kept as the notes');

    // Bulk: select the third draft and approve it.
    await page.locator(`[data-testid="draft-item"][data-draft-id="${third.id}"]`).getByTestId('draft-select').check();
    await expectText(page.getByTestId('bulk-count'), '1 selected', 'the selection count');
    await page.getByTestId('bulk-approve').click();
    await waitForStatus(page, third.id, 'approved', 'after the bulk approve');
    await expectVisible(page.locator(`[data-testid="draft-item"][data-draft-id="${third.id}"][data-status="approved"]`), 'the bulk-approved draft marked in the queue');
  });
});

test('an error from the server is shown next to the draft, and editing saves the text', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('review-errors', {}, async (page) => {
    const [person] = await pickContacts(page, 1);
    // A person's draft that still has a merge field: approving it is a 422 (unresolved).
    const draft = await json(
      await api(page, 'POST', '/drafts', {
        contact_id: person.id,
        channel: 'email',
        subject: `Hello ${stamp}`,
        body: 'Hi {{first_name}}, a note about {{nickname}}. If this is not for you, reply stop.',
        submit: true,
      }),
      'creating a draft',
    );
    assert.equal(draft.approval_status, 'pending', 'a submitted draft is pending');
    await page.goto(`${BASE}/review`);
    await expectVisible(page.locator(`[data-testid="draft-item"][data-draft-id="${draft.id}"]`), 'the new draft in the queue');
    await focusDraft(page, draft.id);
    await page.getByTestId('approve').click();
    const error = page.getByTestId('draft-focused').getByTestId('draft-error');
    await expectVisible(error, 'the error next to the draft');
    const said = (await error.innerText()).trim();
    assert.equal(said.match(/before approving/g)?.length, 1, `the reason said once: ${said}`);
    assert.doesNotMatch(said, /request/i, `no request id in what the rep reads: ${said}`);
    assert.equal((await draftStatus(page, draft.id)).approval_status, 'pending', 'the draft is still pending');

    // e edits: fill in the text and save; the error goes and the draft shows the new text.
    await page.keyboard.press('e');
    await expectVisible(page.getByTestId('edit-body'), 'the edit form');
    await page.getByTestId('edit-body').fill(`Hi ${person.first_name}, a quick note. If this is not for you, reply stop.`);
    await page.getByTestId('edit-save').click();
    await expectVisible(page.getByTestId('draft-body').filter({ hasText: 'a quick note' }), 'the saved text');
    const saved = await draftStatus(page, draft.id);
    assert.ok(saved.body.includes('a quick note'), 'the API has the edited body');
    await page.getByTestId('approve').click();
    await waitForStatus(page, draft.id, 'approved', 'approving once the fields are filled in');
  });
});

test('the review screen fits a phone', async () => {
  await withPage('review-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/review`);
    await expectVisible(page.getByTestId('pending-count').or(page.getByTestId('review-empty')), 'the queue or its empty state');
    await expectNoSidewaysScroll(page, 'the review screen');
    await screenshot(page, 'review-phone', { fullPage: true });
  });
});
