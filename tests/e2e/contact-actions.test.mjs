// Browser tests of what a rep starts from a contact's page: an email written with a merge field
// (previewed filled, with the opt-out line the sender adds) and saved for review; a LinkedIn
// message approved as a task; a call logged; a follow-up added; a referral reply logged, its
// intent corrected and back, and the person it points to added as a contact from a prefilled
// form; enrolled in a sequence with its first step previewed for the person, and added to a new
// batch. Each is checked on the page and in the API. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, signInThroughApi, uniqueStamp, waitForPath, withPage, json } from './helpers.mjs';

setup();

async function makeContact(page, stamp) {
  const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Act ${stamp}`, domain: `act-${stamp}.example` }), 'creating the account');
  return json(
    await api(page, 'POST', '/contacts', {
      first_name: 'Ana',
      last_name: `Act${stamp}`,
      title: 'Head of Sales',
      email: `ana.${stamp}@act-${stamp}.example`,
      phone: '+49 30 1234567',
      linkedin_url: `https://www.linkedin.com/in/ana-act-${stamp}`,
      account_id: account.id,
    }),
    'creating the contact',
  );
}

/** The timeline entry of `kind` whose title reads `title` (a locator). */
function entry(page, kind, title) {
  return page.locator(`[data-testid="timeline-entry"][data-kind="${kind}"]`).filter({ hasText: title });
}

test('an email and a LinkedIn message written from the contact page, a call and a follow-up logged', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('contact-actions', {}, async (page) => {
    const contact = await makeContact(page, stamp);
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await expectVisible(page.getByTestId('contact-actions'), 'the actions row');

    // An email: the merge field filled in the preview, the opt-out line shown, saved for review.
    await page.getByTestId('write-email').click();
    const dialog = page.getByTestId('compose-dialog');
    await expectVisible(dialog, 'the composer');
    await dialog.getByTestId('composer-subject').fill(`Pipeline at {{company}} ${stamp}`);
    await dialog.getByTestId('composer-body').fill('Hi ');
    await dialog.getByTestId('composer-insert-first_name').click();
    await dialog.getByTestId('composer-body').press('End');
    await dialog.getByTestId('composer-body').type(', a short question about {{title|your team}}.');
    await expectText(dialog.getByTestId('composer-preview-body'), 'Hi Ana, a short question about Head of Sales.', 'the body as Ana reads it');
    await expectText(dialog.getByTestId('composer-preview-subject'), `Pipeline at E2E Act ${stamp} ${stamp}`, 'the subject filled');
    await expectVisible(dialog.getByTestId('composer-optout'), 'the opt-out line the sender adds');
    await dialog.getByTestId('composer-body').type(' {{nickname}}');
    await expectVisible(dialog.getByTestId('composer-unresolved'), 'the warning about a field with no value');
    assert.equal(await dialog.getByTestId('composer-send').isDisabled(), true, 'an unresolved field cannot be sent');
    const body = dialog.getByTestId('composer-body');
    await body.fill((await body.inputValue()).replace(' {{nickname}}', ''));
    await dialog.getByTestId('composer-save').click();
    await expectVisible(entry(page, 'draft', 'pending'), 'the email waiting in Review, in the timeline');
    const pending = await json(await api(page, 'GET', `/drafts?contact_id=${contact.id}&approval_status=pending`), 'the drafts');
    assert.equal(pending.items.length, 1);
    assert.equal(pending.items[0].subject, `Pipeline at E2E Act ${stamp} ${stamp}`);
    assert.equal(pending.items[0].body, 'Hi Ana, a short question about Head of Sales.');

    // A LinkedIn message approved at once: a task on Today.
    await page.getByTestId('write-linkedin').click();
    await dialog.getByTestId('composer-body').fill('Hi {{first_name}}, saw your post on outbound. Worth comparing notes?');
    await expectText(dialog.getByTestId('composer-preview-body'), 'Hi Ana, saw your post on outbound. Worth comparing notes?', 'the LinkedIn message filled');
    await dialog.getByTestId('composer-send').click();
    await expectVisible(entry(page, 'draft', 'approved'), 'the approved LinkedIn message in the timeline');
    const approved = await json(await api(page, 'GET', `/drafts?contact_id=${contact.id}&approval_status=approved`), 'the approved drafts');
    assert.deepEqual(approved.items.map((d) => d.channel), ['linkedin']);

    // A call made outside a task.
    await page.getByTestId('log-call').click();
    const call = page.getByTestId('log-call-dialog');
    await call.getByTestId('call-outcome').selectOption('voicemail');
    await call.getByTestId('call-minutes').fill('2');
    await call.getByTestId('call-notes').fill(`Left a voicemail ${stamp}`);
    await call.getByTestId('call-submit').click();
    await expectVisible(entry(page, 'touch', 'voicemail'), 'the call in the timeline');
    const touches = await json(await api(page, 'GET', `/touchpoints?contact_id=${contact.id}`), 'the touches');
    const logged = touches.items.find((t) => t.kind === 'call');
    assert.ok(logged, JSON.stringify(touches.items));
    assert.deepEqual([logged.call_outcome, logged.duration_seconds, logged.notes], ['voicemail', 120, `Left a voicemail ${stamp}`]);

    // A follow-up.
    await page.getByTestId('add-followup').click();
    const followup = page.getByTestId('followup-dialog');
    await followup.getByTestId('followup-channel').selectOption('call');
    await followup.getByTestId('followup-reason').fill(`Call back after the voicemail ${stamp}`);
    await followup.getByTestId('followup-submit').click();
    await expectVisible(entry(page, 'followup', `Call back after the voicemail ${stamp}`), 'the follow-up in the timeline');
    const followups = await json(await api(page, 'GET', `/followups?contact_id=${contact.id}`), 'the follow-ups');
    assert.equal(followups.items[0].channel, 'call');
  });
});

test('a referral reply: its intent corrected and back, and the person it names added as a contact', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('contact-referral', {}, async (page) => {
    const contact = await makeContact(page, stamp);
    const logged = await json(
      await api(page, 'POST', '/replies', {
        contact_id: contact.id,
        channel: 'email',
        body: `I'm not the right person for this. Please reach out to Maya Lind (maya.lind.${stamp}@act-${stamp}.example), she runs our outbound team.`,
      }),
      'logging the reply',
    );
    assert.equal(logged.reply.intent, 'referral', JSON.stringify(logged.reply));
    await page.goto(`${BASE}/contacts/${contact.id}`);
    const reply = entry(page, 'reply', 'referral');
    await expectVisible(reply, 'the referral in the timeline');

    // Corrected to "not now", then back.
    await reply.getByTestId('reply-correct').click();
    const correct = page.getByTestId('correct-intent-dialog');
    await correct.getByTestId('correct-intent-select').selectOption('not_now');
    await correct.getByTestId('correct-intent-submit').click();
    await expectVisible(entry(page, 'reply', 'not now'), 'the corrected intent in the timeline');
    assert.equal((await json(await api(page, 'GET', `/replies/${logged.reply.id}`), 'the reply')).intent, 'not_now');
    await entry(page, 'reply', 'not now').getByTestId('reply-correct').click();
    await correct.getByTestId('correct-intent-select').selectOption('referral');
    await correct.getByTestId('correct-intent-submit').click();
    await expectVisible(entry(page, 'reply', 'referral'), 'the referral again');

    // The person it names, as a new contact at the same company.
    await entry(page, 'reply', 'referral').getByTestId('reply-referral').click();
    await waitForPath(page, /^\/contacts\/new$/, 'the new-contact form');
    assert.equal(await page.getByLabel('First name').inputValue(), 'Maya');
    assert.equal(await page.getByLabel('Last name').inputValue(), 'Lind');
    assert.equal(await page.getByLabel('Email').inputValue(), `maya.lind.${stamp}@act-${stamp}.example`);
    await page.getByTestId("submit").click();
    await waitForPath(page, /^\/contacts\/(?!new$)[^/]+$/, "the new contact's page");
    await expectText(page.getByTestId('contact-name'), 'Maya Lind', 'the referred person');
    await expectText(page.getByTestId("contact-company-link"), `E2E Act ${stamp}`, "at the same company");
  });
});

test('enrolled in a sequence with its first step previewed, and added to a new batch, from the contact page', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('contact-enroll', {}, async (page) => {
    const contact = await makeContact(page, stamp);
    const seq = await json(
      await api(page, 'POST', '/sequences', {
        name: `E2E Act sequence ${stamp}`,
        status: 'active',
        steps: [{ day_offset: 0, kind: 'email', subject: 'Hello {{first_name}}', template: 'Hi {{first_name}}, a note for the {{title}}.' }],
      }),
      'the sequence',
    );
    await page.goto(`${BASE}/contacts/${contact.id}`);
    // The prep card's next step starts it as well as the button does.
    await expectText(page.getByTestId('prep-next-start'), 'Enroll', 'the next step, started from the card');
    await page.getByTestId('prep-next-start').click();
    const enroll = page.getByTestId('enroll-dialog');
    await enroll.getByTestId('enroll-sequence').selectOption(seq.id);
    await expectText(enroll.getByTestId('enroll-preview-subject'), 'Hello Ana', 'the first step’s subject for Ana');
    await expectText(enroll.getByTestId('enroll-preview-body'), 'Hi Ana, a note for the Head of Sales.', 'the first step for Ana');
    await enroll.getByTestId('enroll-submit').click();
    await expectVisible(enroll.getByTestId('enroll-outcome'), 'the outcome');
    await enroll.getByTestId('enroll-close').click();
    await expectVisible(page.getByTestId('prep-enrollment').filter({ hasText: seq.name }), 'the sequence on the prep card');
    const enrollments = await json(await api(page, 'GET', `/enrollments?contact_id=${contact.id}`), 'the enrollments');
    assert.deepEqual(enrollments.items.map((e) => e.sequence_id), [seq.id]);

    await page.getByTestId('add-to-batch').click();
    const batch = page.getByTestId('batch-add-dialog');
    await batch.getByTestId('batch-add-select').selectOption('new');
    await batch.getByTestId('batch-add-new-name').fill(`E2E Act batch ${stamp}`);
    await batch.getByTestId('batch-add-submit').click();
    await expectVisible(batch.getByTestId('batch-add-outcome'), 'what was added');
    await batch.getByTestId('batch-add-link').click();
    await waitForPath(page, /^\/batches\/[^/]+$/, "the batch's page");
    await expectVisible(page.getByText(`Act${stamp}`), 'Ana among the members');
  });
});

test('a viewer reads the Replies screen on a phone, without the actions', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  const email = `e2e-replies-viewer-${stamp}@example.com`;
  const password = `viewer-pass-${stamp}`;
  let reply;
  await withPage('replies-setup-viewer', {}, async (page) => {
    await json(await api(page, 'POST', '/users', { name: `E2E Replies Viewer ${stamp}`, email, role: 'viewer', password }), 'creating a viewer');
    const contact = await makeContact(page, stamp);
    reply = (await json(await api(page, 'POST', '/replies', { contact_id: contact.id, channel: 'linkedin', body: `Happy to talk, how about Thursday? ${stamp}` }), 'a reply')).reply;
  });
  await withPage('replies-viewer', { viewport: PHONE, mobile: true, signedIn: false }, async (page) => {
    await signInThroughApi(page.request, { email, password });
    await page.goto(`${BASE}/replies`);
    const item = page.getByTestId('replies-item').filter({ hasText: stamp });
    await expectVisible(item, "the reply in a viewer's list (the team's)");
    await item.click();
    const pane = page.getByTestId('reply-pane');
    const top = await pane.boundingBox();
    assert.ok(top && top.y < PHONE.height / 2, `on a phone the open reply takes the screen, at ${top && top.y}`);
    await expectVisible(pane.getByTestId('conversation-message').filter({ hasText: stamp }), 'the conversation');
    assert.equal(await pane.getByTestId('reply-answer').count(), 0, 'a viewer gets no Answer');
    assert.equal(await pane.getByTestId('reply-handled-button').count(), 0, 'a viewer gets no Mark handled');
    await expectNoSidewaysScroll(page, 'Replies');
    await screenshot(page, 'phone-replies-viewer', { fullPage: true });
    await page.getByTestId('replies-back').click();
    await expectVisible(item, 'the list again');
  });
});
