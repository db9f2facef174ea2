// Browser test of an identity's "Send test message" against a real SMTP server: the test runs
// one in its own process (the `smtp-server` package, plain text on 127.0.0.1, no TLS, no
// authentication), a manager makes an identity pointing at it through the form, sends the test
// message from the identity's page and sees the server's 250 reply there; the SMTP server must
// have received the message for the address typed, with the subject "OCC test message". The
// identity is deleted at the end (through the page, or the API when the test failed earlier),
// so it never stays active for the other tests. Needs OCC_E2E_URL, OCC_E2E_EMAIL and
// OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, expectHidden, expectText, expectVisible, screenshot, setup, startSmtpServer, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

const DETAIL = /^\/settings\/identities\/(?!new$)[^/]+$/;

/** The message's Subject header (unfolded), or null. */
function subjectOf(raw) {
  const head = raw.split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => /^subject:/i.test(l));
  return line ? line.slice('subject:'.length).trim() : null;
}

test('a test message from an identity reaches a real SMTP server, and the page shows its 250 reply', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  const address = `e2e-smtp-${stamp}@example.com`;
  const to = `e2e-smtp-to-${stamp}@example.com`;
  const smtp = await startSmtpServer();
  let id = null;
  try {
    await withPage('identities-smtp', {}, async (page) => {
      await page.goto(`${BASE}/settings/identities/new`);
      await page.getByLabel('From name', { exact: true }).fill(`E2E SMTP ${stamp}`);
      await page.getByLabel('From address', { exact: true }).fill(address);
      await page.getByLabel('SMTP host', { exact: true }).fill('127.0.0.1');
      // Security first: changing it puts the port back to that security's default.
      await page.getByLabel('Security', { exact: true }).selectOption('none');
      await page.getByLabel('Port', { exact: true }).fill(String(smtp.port));
      await page.getByLabel('Time zone', { exact: true }).fill('UTC');
      await page.getByTestId('identity-submit').click();
      await waitForPath(page, DETAIL, "the new identity's page");
      id = new URL(page.url()).pathname.split('/').pop();

      const saved = await (await api(page, 'GET', `/identities/${id}`)).json();
      assert.deepEqual(
        [saved.smtp_host, saved.smtp_port, saved.smtp_security, saved.has_password],
        ['127.0.0.1', smtp.port, 'none', false],
        'the identity points at the test server, in the clear, without a password',
      );

      await page.getByLabel('Send to', { exact: true }).fill(to);
      await page.getByTestId('identity-test-send').click();
      const result = page.getByTestId('identity-test-result');
      await result.waitFor({ timeout: 30_000 });
      const shown = ((await result.textContent()) || '').trim();
      assert.equal(await result.getAttribute('data-ok'), 'true', `the test send should succeed, the page says: ${shown}`);
      await expectText(page.getByTestId('identity-test-outcome'), 'Sent: the server accepted the message', 'the outcome');
      await expectText(page.getByTestId('identity-test-code'), '250', "the server's reply code");
      assert.match(
        (await page.getByTestId('identity-test-message').textContent()) || '',
        /Message received by the e2e test server/,
        "the server's own reply is shown",
      );
      await screenshot(page, 'identity-test-sent', { fullPage: true });

      const received = smtp.messages.filter((m) => m.to.includes(to));
      assert.equal(received.length, 1, `the SMTP server should have one message for ${to}, it has ${JSON.stringify(smtp.messages.map((m) => m.to))}`);
      assert.equal(subjectOf(received[0].raw), 'OCC test message', 'the subject of the test message');
      assert.equal(received[0].from, address, 'sent from the identity’s address');

      // Delete it, so it does not send for the other tests.
      await page.getByTestId('identity-delete').click();
      const dialog = page.getByTestId('confirm-dialog');
      await expectVisible(dialog, 'the delete confirmation');
      await dialog.getByRole('button', { name: 'Delete identity' }).click();
      await waitForPath(page, /^\/settings\/identities$/, 'the list after deleting');
      await expectHidden(page.locator(`[data-testid="identity-row"][data-identity-email="${address}"]`), 'the deleted identity');
      assert.equal((await api(page, 'GET', `/identities/${id}`)).status(), 404, 'the identity is gone on the server');
      id = null;
    });
  } finally {
    if (id) {
      // The test failed before its Delete: remove the identity all the same.
      await withPage('identities-smtp-cleanup', {}, async (page) => {
        const res = await api(page, 'DELETE', `/identities/${id}`);
        assert.ok([204, 404].includes(res.status()), `deleting the test identity answered ${res.status()}`);
      });
    }
    await smtp.close();
  }
});
