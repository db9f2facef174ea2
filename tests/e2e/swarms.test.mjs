// Browser tests of the swarms (Agents → Swarms). A swarm is started from the form over a batch
// of two new contacts with the default pipeline (persona mapper, researcher, ICP scorer,
// drafter, reviewer); its page follows the progress until every agent's bar is full and the
// swarm succeeded, stops reading it then, and a run it made opens with its input and output.
// The demo's finished swarm and this one fit a phone. Needs OCC_E2E_URL, OCC_E2E_EMAIL
// and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, api, eventually, expectNoSidewaysScroll, expectVisible, json, screenshot, setup, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

/** How long a swarm of two contacts may take: the worker's tick picks its tasks up. */
const SWARM_MS = 90_000;

/** A batch of two new contacts with titles, for the persona mapper. */
async function makeBatch(page, stamp) {
  const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Swarm ${stamp}`, domain: `swarm-${stamp}.example` }), 'creating the account');
  const people = [];
  for (const [first, title] of [
    ['Sam', 'Chief Technology Officer'],
    ['Kim', 'Marketing Manager'],
  ]) {
    people.push(
      await json(
        await api(page, 'POST', '/contacts', { first_name: first, last_name: `Swarm${stamp}`, title, account_id: account.id, email: `${first.toLowerCase()}-${stamp}@swarm-${stamp}.example` }),
        `creating ${first}`,
      ),
    );
  }
  const batch = await json(await api(page, 'POST', '/batches', { name: `E2E swarm batch ${stamp}`, contact_ids: people.map((p) => p.id) }), 'creating the batch');
  return { batch, people };
}

test('a swarm started from a batch with the default pipeline fills every bar, stops polling and its run opens', { timeout: 180_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('swarms', {}, async (page) => {
    const { batch, people } = await makeBatch(page, stamp);

    await page.goto(`${BASE}/agents`);
    await page.getByTestId('agents-tab-swarms').click();
    await waitForPath(page, /^\/agents\/swarms$/, 'the Swarms tab');
    await page.getByTestId('swarm-new').click();
    const dialog = page.getByTestId('swarm-dialog');
    await expectVisible(dialog.getByTestId('swarm-batch'), 'the batch picker');
    await dialog.getByTestId('swarm-batch').selectOption(batch.id);
    const on = await dialog.locator('[data-testid="pipeline-step"][data-on="true"]').evaluateAll((li) => li.map((l) => l.dataset.agent));
    const pipeline = ['persona_mapper', 'researcher', 'icp_scorer', 'drafter', 'reviewer'];
    assert.deepEqual(on, pipeline, 'the default pipeline');
    const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/swarms') && r.request().method() === 'POST');
    await dialog.getByTestId('swarm-start').click();
    const res = await created;
    const swarm = await json(res, 'starting the swarm');
    assert.deepEqual(swarm.pipeline, pipeline, 'the swarm runs the default pipeline');
    await waitForPath(page, new RegExp(`^/agents/swarms/${swarm.id}$`), 'the swarm’s page');

    // Its page reads the progress again by itself (no reload) until every agent is done for both.
    for (const agent of pipeline) {
      const row = page.locator(`[data-testid="swarm-agent"][data-agent="${agent}"]`);
      await expectVisible(row, `the ${agent}'s progress bar`);
      await eventually(async () => (await row.getAttribute('data-done')) === 'true', `the ${agent}'s bar full`, SWARM_MS);
      const bar = row.getByTestId('swarm-agent-bar');
      assert.equal(await bar.getAttribute('data-total'), '2', 'one task per contact of the batch');
      assert.equal(await bar.getAttribute('aria-valuenow'), '2', 'both finished');
    }
    await eventually(async () => (await page.getByTestId('swarm-screen').getAttribute('data-status')) === 'succeeded', 'the swarm succeeded', SWARM_MS);
    assert.equal(await page.getByTestId('swarm-cancel').count(), 0, 'a finished swarm has no Cancel');
    // Finished, it is read no more (a window of three polling periods; one read may be under way).
    let reads = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === `/api/v1/swarms/${swarm.id}`) reads += 1;
    });
    await page.waitForTimeout(4500);
    assert.ok(reads <= 1, `the page should stop reading a finished swarm, it read it ${reads} more times`);
    await screenshot(page, 'swarm-desktop', { fullPage: true });

    // One of its runs, from the persona mapper's runs.
    await page.getByTestId('swarm-agent-runs').first().click();
    await waitForPath(page, /^\/agents$/, 'the persona mapper’s runs');
    const runRow = page.getByTestId('runs-table').locator('tr', { has: page.locator(`a[href="/contacts/${people[0].id}"]`) });
    await expectVisible(runRow, 'the swarm’s run for the first contact');
    await runRow.locator('a.row-anchor').click();
    await waitForPath(page, /^\/agents\/runs\/[^/]+$/, 'the run’s page');
    await expectVisible(page.getByTestId('run-input-json'), 'the run’s input');
    await expectVisible(page.getByTestId('run-output-json'), 'the run’s output');
  });
});

test('the swarms list and a swarm fit a phone', { timeout: 60_000 }, async () => {
  await withPage('swarms-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/agents/swarms`);
    await expectVisible(page.locator('[data-testid="swarms-table"], [data-testid="swarms-empty"]'), 'the swarms or their empty state');
    await expectNoSidewaysScroll(page, 'the swarms list');
    const list = await json(await api(page, 'GET', '/swarms?limit=1'), 'listing the swarms');
    assert.ok(list.items.length > 0, 'the demo has a finished swarm');
    await page.goto(`${BASE}/agents/swarms/${list.items[0].id}`);
    await expectVisible(page.getByTestId('swarm-progress'), 'a swarm’s progress on a phone');
    await expectNoSidewaysScroll(page, 'a swarm');
  });
});
