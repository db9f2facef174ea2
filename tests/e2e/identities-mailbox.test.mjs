// Browser test of an identity's mailbox (Settings → Identities → Mailbox): reading it asks for
// the IMAP host, user name and password first; saved, the password is write-only like the SMTP
// one, and the page says in words how the mailbox's reading stands: here a server where nothing
// listens, which the server's worker tries within seconds and whose failure the page and the
// list then show.
// The identity is deleted at the end. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an
// admin, such as the demo user) and a server with OCC_SECRET_KEY; see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { BASE, api, expectText, expectVisible, screenshot, setup, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

const DETAIL = /^\/settings\/identities\/(?!new$)[^/]+$/;

/** A local port with nothing listening on it (bound, then closed again). */
function closedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The identity as the API has it, checked to carry neither password. */
async function fetchIdentity(page, id, passwords) {
  const res = await api(page, 'GET', `/identities/${id}`);
  const text = await res.text();
  assert.equal(res.status(), 200, `GET /identities/${id} answered ${res.status()}: ${text}`);
  for (const p of passwords) assert.ok(!text.includes(p), 'the API never returns a password');
  return JSON.parse(text);
}

test('a manager gives an identity its mailbox and sees how its reading went', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  const smtpPort = await closedPort();
  const imapPort = await closedPort();
  const imapPassword = `imap-secret-${stamp}`;
  let id = null;
  await withPage('identity-mailbox', {}, async (page) => {
    try {
      await page.goto(`${BASE}/settings/identities/new`);
      await page.getByLabel('From name', { exact: true }).fill(`E2E Mailbox ${stamp}`);
      await page.getByLabel('From address', { exact: true }).fill(`e2e-mailbox-${stamp}@example.com`);
      await page.getByLabel('SMTP host', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('Port', { exact: true }).fill(String(smtpPort));
      await page.getByLabel('Security', { exact: true }).selectOption('none');
      await page.getByLabel('Time zone', { exact: true }).fill('Europe/Madrid');

      // Reading the mailbox needs where it is and how to sign in.
      await page.getByTestId('imap-enabled').check();
      await page.getByTestId('identity-submit').click();
      for (const field of ['imap_host', 'imap_username', 'imap_password']) {
        await expectVisible(page.getByTestId(`field-error-${field}`), `the error next to ${field}`);
      }
      assert.match(new URL(page.url()).pathname, /\/new$/, 'still on the form');

      await page.getByLabel('IMAP host', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('IMAP security', { exact: true }).selectOption('none');
      await page.getByLabel('IMAP port', { exact: true }).fill(String(imapPort));
      await page.getByLabel('IMAP username', { exact: true }).fill(`e2e-${stamp}`);
      await page.getByLabel('IMAP password', { exact: true }).fill(imapPassword);
      await screenshot(page, 'identity-mailbox-form', { fullPage: true });
      await page.getByTestId('identity-submit').click();
      await waitForPath(page, DETAIL, "the new identity's page");
      id = new URL(page.url()).pathname.split('/').pop();

      const saved = await fetchIdentity(page, id, [imapPassword]);
      assert.deepEqual(
        [saved.imap_enabled, saved.imap_host, saved.imap_port, saved.imap_security, saved.has_imap_password],
        [true, '127.0.0.1', imapPort, 'none', true],
        'the mailbox settings as saved',
      );
      assert.ok(!(await page.content()).includes(imapPassword), 'the page never shows the password');
      await expectVisible(page.getByTestId('imap_password-stored'), '"A password is stored" for the mailbox');
      assert.equal(await page.getByTestId('imap_password-keep').isChecked(), true, 'the stored password is kept by default');

      // The server's worker tries the mailbox within seconds; nothing listens there.
      let failed = saved;
      for (let i = 0; i < 60 && !failed.mailbox_error; i += 1) {
        await page.waitForTimeout(500);
        failed = await fetchIdentity(page, id, [imapPassword]);
      }
      assert.match(failed.mailbox_error || '', /^connecting to 127\.0\.0\.1:/, 'the reason, in words');
      await page.reload();
      await expectText(page.getByTestId('mailbox-status'), `The last reading failed: ${failed.mailbox_error}`, 'the reason on the form');
      const summary = page.getByTestId('identity-mailbox-summary');
      await expectText(summary, `Mailbox: 127.0.0.1:${imapPort} · The last reading failed: ${failed.mailbox_error}`, 'the summary');
      await screenshot(page, 'identity-mailbox-failed', { fullPage: true });

      // The list says it too, in a few words.
      await page.goto(`${BASE}/settings/identities`);
      const row = page.locator(`[data-testid="identity-row"][data-identity-email="e2e-mailbox-${stamp}@example.com"]`);
      await expectText(row.getByTestId('identity-mailbox'), 'Mailbox: the last reading failed', 'the mailbox in the list');
    } finally {
      if (id) await api(page, 'DELETE', `/identities/${id}`);
    }
  });
});
