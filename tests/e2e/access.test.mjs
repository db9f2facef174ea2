// Browser tests of access control: sign-in and sign-out, API tokens, the audit log and what a
// viewer may see. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the
// demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  DETAIL_PATH,
  PHONE,
  api,
  credentials,
  expectNav,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  fillByLabel,
  screenshot,
  setup,
  sharedUser,
  signInThroughApi,
  uniqueStamp,
  waitForPath,
  waitForUrl,
  withPage,
  expectTitle,
} from './helpers.mjs';

setup();

/** Signs in through the /login form and waits for the app. */
async function signInThroughForm(page, { email, password } = credentials()) {
  await fillByLabel(page, { Email: email, Password: password });
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Attached, not visible: on a phone the user card is in the closed menu.
  await page
    .getByTestId('user-card')
    .waitFor({ state: 'attached' })
    .catch(() => assert.fail(`expected the app with the signed-in user after signing in, the page is at ${page.url()}`));
}

test('opening the app signed out lands on the sign-in page, without the app frame', async () => {
  await withPage('signed-out', { signedIn: false }, async (page) => {
    // A signed-out visit fails no request and logs nothing: who is signed in is answered with a 200.
    const failed = [];
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.status()} ${new URL(r.url()).pathname}`));
    page.on('console', (m) => m.type() === 'error' && failed.push(`console: ${m.text()}`));
    await page.goto(`${BASE}/`);
    await waitForPath(page, /^\/login$/, 'the sign-in page (/login)');
    await expectVisible(page.getByTestId('login-form'), 'the sign-in form');
    assert.deepEqual(failed, [], 'no failed request on a signed-out visit');
    assert.equal(await page.getByTestId('nav').count(), 0, 'the sign-in page should have no navigation');
    assert.equal(await page.getByTestId('user-card').count(), 0, 'the sign-in page should show no user');
    await expectTitle(page, 'Sign in · OCC');
    await screenshot(page, 'login');

    await page.setViewportSize(PHONE);
    await expectNoSidewaysScroll(page, 'the sign-in page');
    await screenshot(page, 'phone-login');
  });
});

test('a wrong password is shown as an error in the sign-in form', async () => {
  const { email } = credentials();
  await withPage('wrong-password', { signedIn: false }, async (page) => {
    await page.goto(`${BASE}/login`);
    await fillByLabel(page, { Email: email, Password: `not-the-password-${uniqueStamp()}` });
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByTestId('login-error');
    await expectVisible(error, 'the sign-in error');
    const message = ((await error.textContent()) || '').trim();
    assert.match(message, /password/i, `the error should say the email or password is wrong, it says ${JSON.stringify(message)}`);
    assert.equal(new URL(page.url()).pathname, '/login', 'a failed sign-in stays on /login');
    assert.equal(await page.getByLabel('Email', { exact: true }).inputValue(), email, 'the email should be kept');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the wrong password should be cleared');
    await screenshot(page, 'login-error');
  });
});

test('signing in shows the app with the user, and goes back to the page asked for', async () => {
  await withPage('sign-in', { signedIn: false }, async (page) => {
    await page.goto(`${BASE}/status`);
    await waitForUrl(
      page,
      (url) => url.pathname === '/login' && url.searchParams.get('next') === '/status',
      'a signed-out visit to /status should lead to /login?next=/status',
    );
    await signInThroughForm(page);
    await waitForPath(page, /^\/status$/, 'the page asked for (/status) after signing in');

    const me = await page.request.get(`${BASE}/api/v1/auth/me`);
    assert.equal(me.status(), 200, `GET /auth/me after signing in answered ${me.status()}`);
    const { user, via } = await me.json();
    assert.equal(via, 'session', 'the browser should be signed in with a session cookie');
    await expectText(page.getByTestId('user-name'), user.name || user.email, "the user's name in the sidebar");
    assert.match((await page.getByTestId('user-role').textContent()) || '', new RegExp(user.role, 'i'), "the user's role in the sidebar");
    await expectNav(page, user.role, `the navigation of a ${user.role}`);
    await screenshot(page, 'signed-in');
  });
});

test('signing out returns to the sign-in page and the session no longer works', async () => {
  await withPage('sign-out', { viewport: PHONE, mobile: true, signedIn: false }, async (page, context) => {
    await page.goto(`${BASE}/login`);
    await signInThroughForm(page);
    await waitForPath(page, /^\/dashboard$/, 'the Dashboard (an admin’s start page after signing in)');
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');

    // On a phone the user and Sign out are in the menu.
    await page.getByTestId('menu-button').click();
    await expectVisible(page.getByTestId('sign-out'), 'Sign out in the opened menu');
    await page.waitForTimeout(300); // the drawer slides in
    await screenshot(page, 'phone-menu-signed-in');
    await page.getByTestId('sign-out').click();
    await waitForPath(page, /^\/login$/, 'the sign-in page after signing out');
    await expectVisible(page.getByTestId('login-form'), 'the sign-in form after signing out');

    const me = await page.request.get(`${BASE}/api/v1/auth/me`);
    assert.equal(me.status(), 401, `GET /auth/me after signing out should answer 401, it answered ${me.status()}`);
    // The old cookie itself is dead on the server, not only forgotten by the browser.
    const replay = await page.request.get(`${BASE}/api/v1/accounts`, { headers: { cookie } });
    assert.equal(replay.status(), 401, `the signed-out session cookie should get 401, it got ${replay.status()}`);

    await page.goto(`${BASE}/accounts`);
    await waitForUrl(
      page,
      (url) => url.pathname === '/login' && url.searchParams.get('next') === '/accounts',
      '/accounts after signing out should lead to /login?next=/accounts',
    );
  });
});

test('an API token created in Settings shows its secret once, works, and can be revoked', async () => {
  const name = `E2E token ${uniqueStamp()}`;
  let secret;
  await withPage('api-token', {}, async (page) => {
    await page.goto(`${BASE}/accounts`);
    await page.getByTestId('nav-settings').click();
    await waitForPath(page, /^\/settings\/profile$/, 'Settings → Profile');
    await expectVisible(page.getByTestId('sessions-table'), 'your sessions');
    await expectVisible(page.getByTestId('session-current'), 'this session marked in the list');
    await screenshot(page, 'settings-profile', { fullPage: true });

    await page.getByTestId('settings-tokens').click();
    await waitForPath(page, /^\/settings\/tokens$/, 'Settings → API tokens');
    await expectVisible(page.locator('[data-testid="tokens-table"], [data-testid="tokens-empty"]'), 'the token list or its empty state');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByTestId('scope-read').check();
    await page.getByRole('button', { name: 'Create token' }).click();

    const box = page.getByTestId('token-secret-box');
    await expectVisible(box, 'the new token secret');
    secret = await page.getByTestId('token-secret').inputValue();
    assert.match(secret, /^occ_\S{16,}$/, `the secret should look like occ_…, it is ${JSON.stringify(secret)}`);
    assert.match((await page.getByTestId('token-secret-warning').textContent()) || '', /only time/i, 'the box should warn the secret is shown once');
    const row = page.getByTestId('token-row').filter({ hasText: name });
    await expectVisible(row, `the new token "${name}" in the list`);
    assert.ok(!((await page.getByTestId('tokens-table').textContent()) || '').includes(secret), 'the list must not show the secret');
    await screenshot(page, 'settings-token-secret', { fullPage: true });

    // The secret is a working bearer token.
    const viaToken = await page.request.get(`${BASE}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}`, cookie: '' } });
    assert.equal(viaToken.status(), 200, `GET /auth/me with the new token answered ${viaToken.status()}: ${await viaToken.text()}`);
    assert.equal((await viaToken.json()).via, 'token', '/auth/me with a bearer token should say via: token');

    // Shown once: after a reload it is gone for good.
    await page.reload();
    await expectVisible(row, 'the token in the list after a reload');
    assert.equal(await page.getByTestId('token-secret-box').count(), 0, 'the secret box should be gone after a reload');
    assert.ok(!((await page.content()) || '').includes(secret), 'the secret must not be on the page after a reload');

    await row.getByTestId('token-revoke').click();
    const dialog = page.getByTestId('confirm-dialog');
    await expectVisible(dialog, 'the revoke confirmation');
    await screenshot(page, 'settings-token-revoke');
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await expectText(row.getByTestId('token-status'), 'Revoked', 'the token status after revoking');
    const revoked = await page.request.get(`${BASE}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}`, cookie: '' } });
    assert.equal(revoked.status(), 401, `the revoked token should get 401, it got ${revoked.status()}`);
  });
});

test('the audit log lists the account changes of this run with the actor, and shows what changed', async () => {
  const stamp = uniqueStamp();
  const name = `E2E Audit ${stamp}`;
  const user = sharedUser();
  await withPage('audit', {}, async (page) => {
    // The app sends X-CSRF-Token on every change; without it the server refuses.
    const bare = await page.request.post(`${BASE}/api/v1/accounts`, { data: { name: `E2E No CSRF ${stamp}` } });
    assert.equal(bare.status(), 403, `a POST without X-CSRF-Token should answer 403, it answered ${bare.status()}`);

    await page.goto(`${BASE}/accounts/new`);
    await fillByLabel(page, { Name: name, Industry: 'Logistics' });
    await page.getByRole('button', { name: 'Create account' }).click();
    await waitForPath(page, DETAIL_PATH, "the new account's detail page");
    const accountId = new URL(page.url()).pathname.split('/').pop();
    await page.getByTestId('edit-account').click();
    await fillByLabel(page, { Industry: 'Freight' });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await waitForPath(page, DETAIL_PATH, 'the detail page after saving');
    await expectText(page.getByTestId('account-industry'), 'Freight', 'the edited industry');

    await page.getByTestId('nav-audit').click();
    await waitForPath(page, /^\/audit$/, 'the audit log');
    await page.getByLabel('Entity').fill('account');
    await waitForUrl(page, (url) => url.searchParams.get('entity') === 'account', 'the entity filter should be kept in the URL');
    const rows = page.locator(`[data-testid="audit-row"][data-entity-id="${accountId}"]`);
    await expectVisible(rows, `audit entries for the account ${accountId}`);
    const actions = (await rows.getByTestId('audit-action').allTextContents()).map((t) => t.trim());
    assert.deepEqual(actions, ['account.update', 'account.create'], 'the update and then the create, newest first');
    for (const actor of await rows.getByTestId('audit-actor').allTextContents()) {
      assert.equal(actor.trim(), user.name || user.email, 'each entry should name the user who made the change');
    }
    assert.equal(
      await rows.first().getByTestId('audit-entity-link').getAttribute('href'),
      `/accounts/${accountId}`,
      'the entity id should link to the account',
    );

    await rows.first().getByTestId('audit-toggle').click();
    const diff = page.getByTestId('audit-diff');
    await expectVisible(diff, 'the changes of the update');
    const industry = diff.locator('[data-testid="diff-row"][data-field="industry"]');
    await expectVisible(industry, 'the changed industry in the diff');
    assert.match((await industry.textContent()) || '', /Logistics[\s\S]*Freight/, 'the diff should show Logistics before and Freight after');
    assert.equal(await diff.locator('[data-testid="diff-row"][data-field="name"]').count(), 0, 'an unchanged field is not in the diff');
    await screenshot(page, 'audit', { fullPage: true });

    await page.setViewportSize(PHONE);
    await page.reload();
    await expectVisible(rows, 'the audit entries on a phone');
    await rows.first().getByTestId('audit-toggle').click();
    await expectVisible(page.getByTestId('audit-diff'), 'the changes on a phone');
    await expectNoSidewaysScroll(page, 'the audit log');
    await screenshot(page, 'phone-audit');
  });
});

test('an admin creates a viewer in Settings → Users, and the viewer gets no write actions', async () => {
  const stamp = uniqueStamp();
  const email = `e2e-viewer-${stamp}@example.com`;
  const password = `viewer-pass-${stamp}`;
  let accountId;
  await withPage('users', {}, async (page) => {
    const res = await api(page, 'POST', '/accounts', { name: `E2E Viewer sees ${stamp}` });
    assert.equal(res.status(), 201, `creating an account answered ${res.status()}: ${await res.text()}`);
    accountId = (await res.json()).id;

    await page.goto(`${BASE}/settings/users`);
    await expectVisible(page.getByTestId('users-table'), 'the users table');
    await page.getByTestId('new-user').click();
    await fillByLabel(page, { Name: `E2E Viewer ${stamp}`, Email: email, 'Temporary password': password });
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await screenshot(page, 'settings-user-form', { fullPage: true });
    await page.getByRole('button', { name: 'Create user' }).click();
    const row = page.locator(`[data-testid="user-row"][data-user-email="${email}"]`);
    await expectVisible(row, `the new user ${email} in the list`);
    assert.equal(await row.getByTestId('user-role').inputValue(), 'viewer', 'the new user is a viewer');
    await screenshot(page, 'settings-users', { fullPage: true });
  });

  await withPage('viewer', { signedIn: false }, async (page) => {
    const { csrf } = await signInThroughApi(page.request, { email, password });
    await page.goto(`${BASE}/accounts`);
    await expectText(page.getByTestId('user-role'), 'Viewer', 'the role in the sidebar');
    await expectNav(page, 'viewer', 'a viewer sees no Audit log');
    await expectVisible(page.locator('[data-testid="accounts-table"], [data-testid="accounts-empty"]'), 'the accounts list');
    assert.equal(await page.getByTestId('new-account').count(), 0, 'a viewer gets no New account button');

    await page.goto(`${BASE}/accounts/${accountId}`);
    await expectVisible(page.getByTestId('account-detail'), 'the account, which a viewer may read');
    assert.equal(await page.getByTestId('edit-account').count(), 0, 'a viewer gets no Edit button');
    assert.equal(await page.getByTestId('delete-account').count(), 0, 'a viewer gets no Delete button');
    await screenshot(page, 'viewer-account');

    // Sequences: readable, with no New sequence button, and the editor read-only.
    await page.goto(`${BASE}/sequences`);
    await expectVisible(page.locator('[data-testid="sequences-table"], [data-testid="sequences-empty"]'), 'the sequences list');
    assert.equal(await page.getByTestId('new-sequence').count(), 0, 'a viewer gets no New sequence button');
    if ((await page.getByTestId('row').count()) > 0) {
      await page.getByTestId('row').first().locator('a').first().click();
      await expectVisible(page.getByTestId('read-only'), 'the read-only note in the sequence editor');
      assert.equal(await page.getByTestId('seq-save').count(), 0, 'a viewer gets no Save button');
      assert.equal(await page.getByTestId('add-step').count(), 0, 'a viewer gets no Add step button');
    }

    // LinkedIn: the team's numbers and tasks, with no Mine/Team toggle and no task actions.
    await page.goto(`${BASE}/linkedin`);
    await expectVisible(page.getByTestId('linkedin-stats'), "LinkedIn's numbers, which a viewer may read");
    assert.equal(await page.getByTestId('linkedin-stats').getAttribute('data-scope'), 'team', "a viewer sees the team's");
    assert.equal(await page.getByTestId('scope-toggle').count(), 0, 'a viewer gets no Mine/Team toggle');
    await expectVisible(page.locator('[data-testid="linkedin-tasks-list"], [data-testid="linkedin-tasks-empty"]'), 'the tasks');
    assert.equal(await page.getByTestId('item-done').count(), 0, 'a viewer gets no Mark done');

    for (const path of ['/audit', '/settings/users', `/accounts/${accountId}/edit`, '/review', '/sequences/new']) {
      await page.goto(`${BASE}${path}`);
      await expectVisible(page.getByTestId('forbidden'), `the not-allowed state on ${path}`);
    }
    await screenshot(page, 'viewer-forbidden');
    const del = await page.request.delete(`${BASE}/api/v1/accounts/${accountId}`, { headers: { 'x-csrf-token': csrf } });
    assert.equal(del.status(), 403, `the server should refuse a viewer's delete with 403, it answered ${del.status()}`);
  });
});
