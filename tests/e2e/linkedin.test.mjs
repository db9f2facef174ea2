// Browser tests of the LinkedIn screen: reached from the nav, it shows the caller's numbers as
// GET /linkedin/stats gives them (connection requests and messages today against the limits,
// this week's requests against the weekly limit, the acceptance rate with its counts), the
// LinkedIn tasks due now with their message, and a task marked done leaves the list while the
// messages gauge follows; Team and the period are in the URL; it fits a phone. The contact,
// its touch, its acceptance and its task are made through the API with unique names. Needs
// OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see
// helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, expectHidden, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, uniqueStamp, withPage } from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function stats(page, scope = 'mine', days = 30) {
  return json(await api(page, 'GET', `/linkedin/stats?scope=${scope}&days=${days}`), 'reading the LinkedIn stats');
}

/** Waits until the gauge's `data-used` is `expected`. */
async function expectUsed(page, name, expected, what) {
  const gauge = page.getByTestId(`gauge-${name}`);
  await expectVisible(gauge, `the ${name} gauge`);
  await page
    .waitForFunction(([n, v]) => document.querySelector(`[data-testid="gauge-${n}"]`)?.dataset.used === String(v), [name, expected], { timeout: 10_000 })
    .catch(() => {});
  assert.equal(await gauge.getAttribute('data-used'), String(expected), what);
}

test('the LinkedIn screen shows the numbers against the limits, the acceptance rate and the tasks, and a task done leaves', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('linkedin', {}, async (page) => {
    const account = await json(await api(page, 'POST', '/accounts', { name: `E2E LinkedIn ${stamp}`, domain: `li-${stamp}.example` }), 'creating the account');
    const lina = await json(
      await api(page, 'POST', '/contacts', {
        first_name: 'Lina',
        last_name: `Li${stamp}`,
        account_id: account.id,
        linkedin_url: `https://www.linkedin.com/in/lina-${stamp}`,
      }),
      'creating the contact',
    );
    // A connection request done by hand, then accepted on LinkedIn.
    await json(await api(page, 'POST', '/touchpoints', { contact_id: lina.id, kind: 'linkedin_connect' }), 'recording the connection request');
    await json(await api(page, 'POST', '/linkedin/events', { contact_id: lina.id, kind: 'connection_accepted' }), 'recording the acceptance');
    // A LinkedIn message to send: an approved draft, a task on Today and here.
    const message = `Hi Lina, thanks for connecting. How is the ${stamp} rollout going?`;
    const draft = await json(await api(page, 'POST', '/drafts', { contact_id: lina.id, channel: 'linkedin', body: message, submit: true }), 'creating the draft');
    await json(await api(page, 'POST', `/drafts/${draft.id}/approve`, {}), 'approving the draft');
    const queue = await json(await api(page, 'GET', '/queue?scope=mine&limit=200&tz=UTC'), 'reading the queue');
    assert.ok(
      queue.items.some((i) => i.id === `draft:${draft.id}`),
      `the queue should list the LinkedIn task (messages today ${queue.counts.messages_today} of ${queue.counts.messages_daily_limit})`,
    );
    const before = await stats(page);
    assert.ok(before.today.connection_sent >= 1, 'the request counts today');

    await page.goto(`${BASE}/today`);
    await page.getByTestId('nav-linkedin').click();
    await expectVisible(page.getByTestId('linkedin-stats'), 'the LinkedIn numbers');
    assert.equal(new URL(page.url()).pathname, '/linkedin');
    assert.equal(await page.getByTestId('nav-linkedin').getAttribute('aria-current'), 'page', 'the nav marks LinkedIn');
    assert.equal(await page.getByTestId('linkedin-stats').getAttribute('data-scope'), 'mine', 'mine by default');

    // Today and this week against the limits, as the API counts them.
    const limits = before.limits;
    await expectUsed(page, 'li-connections-today', before.today.connection_sent, "today's connection requests");
    assert.equal(await page.getByTestId('gauge-li-connections-today').getAttribute('data-max'), String(limits.linkedin_connections_daily), 'the daily limit');
    await expectUsed(page, 'li-connections-week', before.this_week.connection_sent, "this week's connection requests");
    assert.equal(await page.getByTestId('gauge-li-connections-week').getAttribute('data-max'), String(limits.linkedin_connections_weekly), 'the weekly limit');
    const messagesBefore = (before.today.message_sent || 0) + (before.today.inmail_sent || 0);
    await expectUsed(page, 'li-messages-today', messagesBefore, "today's messages");
    assert.equal(await page.getByTestId('gauge-li-messages-today').getAttribute('data-max'), String(limits.linkedin_messages_daily), 'the messages limit');

    // The acceptance rate and what it is made of.
    const sent = before.period.connection_sent;
    const accepted = before.period.connection_accepted || 0;
    await expectText(page.getByTestId('linkedin-acceptance-rate'), `${Math.round((accepted / sent) * 100)}%`, 'the acceptance rate');
    await expectText(page.getByTestId('linkedin-acceptance-count'), `${accepted} of ${sent} ${sent === 1 ? 'request' : 'requests'} accepted`, 'what the rate is made of');
    assert.ok(accepted >= 1, 'the acceptance counts');
    await expectVisible(page.getByTestId('linkedin-by-day'), 'the requests by day');

    // The task, with its message; done, it leaves and the messages gauge follows.
    const item = page.locator(`[data-testid="linkedin-tasks"] [data-testid="today-item"][data-item-id="draft:${draft.id}"]`);
    await expectVisible(item, "Lina's LinkedIn task");
    assert.equal(await item.getByTestId('item-message').textContent(), message, 'the whole message');
    assert.equal(await item.getByTestId('item-linkedin').getAttribute('href'), lina.linkedin_url, 'the profile link');
    await screenshot(page, 'linkedin', { fullPage: true });
    await item.getByTestId('item-done').click();
    await expectHidden(item, 'the task after Mark done');
    await expectVisible(page.getByTestId('toast').filter({ hasText: `Done: Lina Li${stamp}` }), 'the done toast');
    await expectUsed(page, 'li-messages-today', messagesBefore + 1, 'the messages gauge after the task is done');

    // The period and the team's numbers, in the URL.
    await page.getByTestId('linkedin-days').selectOption('7');
    await expectText(page.locator('#li-period'), 'Last 7 days', 'the period heading');
    assert.equal(new URL(page.url()).searchParams.get('days'), '7');
    await page.getByTestId('scope-team').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="linkedin-stats"]')?.dataset.scope === 'team', null, { timeout: 10_000 });
    assert.equal(new URL(page.url()).searchParams.get('scope'), 'team');
    const team = await stats(page, 'team', 7);
    await expectUsed(page, 'li-connections-today', team.today.connection_sent, "the team's connection requests today");
    await expectVisible(page.getByTestId('gauge-li-connections-today').getByText(/per person/), 'the limit said to be per person');
  });
});

test('the LinkedIn screen fits a phone', { timeout: 60_000 }, async () => {
  await withPage('linkedin-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/linkedin`);
    await expectVisible(page.getByTestId('linkedin-stats'), 'the LinkedIn numbers on a phone');
    await expectVisible(page.getByTestId('linkedin-tasks'), 'the tasks section on a phone');
    await expectNoSidewaysScroll(page, 'the LinkedIn screen');
    await screenshot(page, 'linkedin-phone', { fullPage: true });
  });
});
