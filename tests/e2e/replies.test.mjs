// Browser test of the Replies screen on the server that sends email (OCC_E2E_SENDING_URL),
// against a real SMTP server the test starts: a first email goes out to a contact, their answer
// arrives as a signed provider event, and the rep finds it under Positive, reads the
// conversation, answers it in the composer (the subject "Re:", the message quoted, the
// signature and opt-out line previewed) and sends it. The SMTP server must receive the answer in
// the thread (In-Reply-To and References name the first email) with the text, the quote, the
// signature and the unsubscribe link; the reply leaves the list and is handled. The identity is
// deleted at the end. Needs OCC_E2E_SENDING_URL, OCC_E2E_WEBHOOK_SECRET, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD; see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BASE, api, eventually, expectText, expectVisible, headerOf, screenshot, setup, startSmtpServer, uniqueStamp, withPage, json } from './helpers.mjs';

setup({ base: process.env.OCC_E2E_SENDING_URL || '' });

/** The server's time, from its Date header (the sending server's clock is set ahead). */
async function serverNow(page) {
  const res = await page.request.get(`${BASE}/api/v1/health`);
  return new Date(Date.parse(res.headers().date));
}

/** Posts a provider's email event signed with the server's webhook secret, at the server's time. */
async function providerEvent(page, event) {
  const secret = process.env.OCC_E2E_WEBHOOK_SECRET;
  assert.ok(secret, 'OCC_E2E_WEBHOOK_SECRET is not set: the sending server signs provider events with it');
  const now = await serverNow(page);
  // The Date header has whole seconds: the event is dated a second on, after what it answers.
  const body = JSON.stringify({ ...event, occurred_at: new Date(now.getTime() + 1000).toISOString() });
  const ts = String(Math.floor(now.getTime() / 1000));
  const signature = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
  const res = await page.request.fetch(`${BASE}/api/v1/webhooks/email`, {
    method: 'POST',
    data: body,
    headers: { 'content-type': 'application/json', 'x-occ-timestamp': ts, 'x-occ-signature': signature },
  });
  return json(res, 'the provider event');
}

test('a positive reply is answered from the Replies screen, in its thread, through a real SMTP server', { timeout: 120_000 }, async () => {
  const stamp = uniqueStamp();
  const smtp = await startSmtpServer();
  let identity = null;
  try {
    await withPage('replies', {}, async (page) => {
      identity = await json(
        await api(page, 'POST', '/identities', {
          from_name: 'Demo Seller',
          from_email: `seller-${stamp}@occ-e2e.example`,
          smtp_host: '127.0.0.1',
          smtp_port: smtp.port,
          smtp_security: 'none',
          daily_cap: 400,
          timezone: 'UTC',
          send_window: { start_hour: 0, end_hour: 24, days: [1, 2, 3, 4, 5, 6, 7] },
          min_spacing_seconds: 0,
          signature: `Demo Seller\nOCC e2e ${stamp}`,
        }),
        'creating the identity',
      );
      const address = `ana.${stamp}@answers-${stamp}.example`;
      const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Answers ${stamp}`, domain: `answers-${stamp}.example` }), 'the account');
      const contact = await json(
        await api(page, 'POST', '/contacts', { first_name: 'Ana', last_name: `Answer${stamp}`, email: address, timezone: 'UTC', account_id: account.id }),
        'the contact',
      );

      // The first email goes out.
      const first = await json(
        await api(page, 'POST', '/drafts', {
          contact_id: contact.id,
          channel: 'email',
          subject: `Outbound at ${stamp}`,
          body: 'Hi Ana, would a short call about your outbound be useful?',
          submit: true,
        }),
        'the first email',
      );
      await json(await api(page, 'POST', `/drafts/${first.id}/approve`, {}), 'approving it');
      const sent = await json(await api(page, 'POST', `/drafts/${first.id}/send`), 'sending it');
      assert.equal(sent.status, 'sent', JSON.stringify(sent));
      const ours = await eventually(() => smtp.messages.find((m) => m.to.includes(address)), 'the first email at the SMTP server');
      const ourId = headerOf(ours.raw, 'Message-ID');
      assert.ok(ourId, ours.raw);

      // Their answer, as the provider reports it.
      await providerEvent(page, {
        id: `e2e-reply-${stamp}`,
        type: 'reply',
        email: address,
        message_id: ourId,
        subject: `Re: Outbound at ${stamp}`,
        text: 'Sounds good. Could we talk Tuesday or Wednesday afternoon?',
      });

      await page.goto(`${BASE}/replies?scope=team`);
      await page.getByTestId('replies-filter-positive').click();
      const item = page.getByTestId('replies-item').filter({ hasText: `Answer${stamp}` });
      await expectVisible(item, 'the positive reply in the list');
      await item.click();
      const pane = page.getByTestId('reply-pane');
      await expectVisible(pane, 'the open reply');
      const messages = pane.getByTestId('conversation-message');
      await eventually(async () => (await messages.count()) === 2, 'the conversation of two messages');
      assert.deepEqual(await messages.evaluateAll((els) => els.map((e) => e.dataset.direction)), ['out', 'in']);

      await pane.getByTestId('reply-answer').click();
      assert.equal(await pane.getByTestId('composer-subject').inputValue(), `Re: Outbound at ${stamp}`);
      const body = pane.getByTestId('composer-body');
      assert.match(await body.inputValue(), /wrote:\n> Sounds good\. Could we talk Tuesday or Wednesday afternoon\?$/);
      await body.press('Control+Home');
      await body.type('Tuesday at 15:00 works, I will send an invite.');
      await expectText(pane.getByTestId('composer-signature'), `-- \nDemo Seller\nOCC e2e ${stamp}`, 'the signature previewed');
      await expectVisible(pane.getByTestId('composer-optout'), 'the opt-out line previewed');
      await screenshot(page, 'replies-answer');
      await pane.getByTestId('composer-send').click();

      const answer = await eventually(
        () => smtp.messages.find((m) => m.to.includes(address) && /^Re:/.test(headerOf(m.raw, 'Subject') || '')),
        'the answer at the SMTP server',
      );
      assert.equal(headerOf(answer.raw, 'In-Reply-To'), ourId, answer.raw);
      assert.equal(headerOf(answer.raw, 'References'), ourId, answer.raw);
      const text = answer.raw.replace(/=\r?\n/g, '');
      for (const part of ['Tuesday at 15:00 works', '> Sounds good.', `OCC e2e ${stamp}`, 'Unsubscribe here:']) {
        assert.ok(text.includes(part), `the answer should contain ${JSON.stringify(part)}:\n${answer.raw}`);
      }
      await eventually(async () => (await item.count()) === 0, 'the answered reply leaving the list');
      const replies = await json(await api(page, 'GET', `/replies?contact_id=${contact.id}`), 'the replies');
      assert.ok(replies.items[0].handled_at, JSON.stringify(replies.items[0]));
    });
  } finally {
    if (identity) {
      await withPage('replies-cleanup', {}, async (page) => {
        await api(page, 'DELETE', `/identities/${identity.id}`);
      });
    }
    await smtp.close();
  }
});
