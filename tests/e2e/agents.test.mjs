// Browser tests of the Agents screen: reached from the nav, it says plainly that no model is
// configured (the test server has none) and lists the ten agents with their figures; a persona
// mapper run made through the API shows in the runs table under the agent filter, and opened
// it shows its input and output side by side as JSON with the fallback's reason and a link to
// the contact. On a contact's page Research runs the researcher and its brief lands on the prep
// card; Draft with AI runs the drafter and its draft waits in Review, which names the agent and
// links to its run. The screen fits a phone. Needs OCC_E2E_URL,
// OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  api,
  eventually,
  expectNoSidewaysScroll,
  expectTitle,
  expectVisible,
  json,
  screenshot,
  setup,
  signInThroughApi,
  uniqueStamp,
  waitForPath,
  withPage,
} from './helpers.mjs';

setup();

const TEN = [
  'researcher',
  'signal_scout',
  'persona_mapper',
  'icp_scorer',
  'drafter',
  'reviewer',
  'reply_classifier',
  'followup_planner',
  'meeting_prep',
  'experiment_analyst',
];

/** A contact with a title for the persona mapper to read. */
async function makeContact(page, stamp, title = 'VP of Engineering') {
  const account = await json(await api(page, 'POST', '/accounts', { name: `E2E Agents ${stamp}`, domain: `agents-${stamp}.example` }), 'creating the account');
  return json(
    await api(page, 'POST', '/contacts', { first_name: 'Ada', last_name: `Agent${stamp}`, title, account_id: account.id, email: `ada-${stamp}@agents-${stamp}.example` }),
    'creating the contact',
  );
}

test('the Agents screen says no model is configured and lists the ten agents', { timeout: 60_000 }, async () => {
  await withPage('agents-screen', {}, async (page) => {
    await page.goto(`${BASE}/today`);
    await page.getByTestId('nav-agents').click();
    await waitForPath(page, /^\/agents$/, 'the Agents screen');
    await expectTitle(page, 'Agents · OCC');
    const model = page.getByTestId('agents-model');
    await expectVisible(model, 'the model note');
    assert.equal(await model.getAttribute('data-configured'), 'false', 'the test server has no model');
    assert.match(await model.innerText(), /No model configured: every agent answers with its deterministic fallback/);
    const rows = page.getByTestId('agent-row');
    await eventually(async () => (await rows.count()) === 10, 'the ten agents');
    const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.agent));
    assert.deepEqual(names, TEN, 'the agents in the server’s order');
    assert.equal(await page.getByTestId('nav-agents').getAttribute('aria-current'), 'page', 'the nav marks Agents');
    // The period is in the URL and the figures follow.
    await page.getByTestId('agents-days').selectOption('7');
    await eventually(() => new URL(page.url()).searchParams.get('days') === '7', 'days=7 in the URL');
    await screenshot(page, 'agents-desktop', { fullPage: true });
  });
});

/** A persona mapper run on the contact, made through the API. */
async function makeRun(page, contact) {
  return json(await api(page, 'POST', '/agents/persona_mapper/run', { contact_id: contact.id }), 'running the persona mapper');
}

test('a persona mapper run shows in the runs and opens with its input and output side by side', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('agents-run', {}, async (page) => {
    const contact = await makeContact(page, stamp);
    const run = await makeRun(page, contact);
    assert.equal(run.used_fallback, true, 'without a model the fallback answers');

    await page.goto(`${BASE}/agents?agent=${run.agent}`);
    const table = page.getByTestId('runs-table');
    await expectVisible(table, 'the runs table');
    const link = table.locator(`a.row-anchor[href="/agents/runs/${run.id}"]`);
    await expectVisible(link, 'the new run in the runs table');
    // The filter by "answered by" keeps it (the fallback) and drops it (the model).
    await page.getByTestId('runs-fallback').selectOption('false');
    await eventually(async () => (await table.locator(`a.row-anchor[href="/agents/runs/${run.id}"]`).count()) === 0 || (await page.getByTestId('runs-empty').count()) > 0, 'the run gone under "the model"');
    await page.getByTestId('runs-fallback').selectOption('true');
    await expectVisible(page.getByTestId('runs-table').locator(`a.row-anchor[href="/agents/runs/${run.id}"]`), 'the run back under "the fallback"');

    await page.getByTestId('runs-table').locator(`a.row-anchor[href="/agents/runs/${run.id}"]`).click();
    await waitForPath(page, new RegExp(`^/agents/runs/${run.id}$`), 'the run’s page');
    const input = page.getByTestId('run-input-json');
    const output = page.getByTestId('run-output-json');
    await expectVisible(input, 'the run’s input');
    await expectVisible(output, 'the run’s output');
    assert.deepEqual(JSON.parse(await input.innerText()), run.input, 'the input as the API gives it');
    assert.deepEqual(JSON.parse(await output.innerText()), run.output, 'the output as the API gives it');
    const a = await input.boundingBox();
    const b = await output.boundingBox();
    assert.ok(b.x > a.x + a.width - 1 && Math.abs(b.y - a.y) < 5, `input and output side by side at 1280 px (input ${JSON.stringify(a)}, output ${JSON.stringify(b)})`);
    assert.match(await page.getByTestId('run-answered').innerText(), /fallback/i, 'the fallback answered');
    if (run.fallback_reason) assert.equal((await page.getByTestId('run-fallback-reason').innerText()).trim(), run.fallback_reason);
    await page.getByTestId('run-contact-link').click();
    await waitForPath(page, new RegExp(`^/contacts/${contact.id}$`), 'the contact from the run');
  });
});

test('Research on a contact puts the brief on the prep card, and Draft with AI leaves a draft in Review by the drafter', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('agents-research', {}, async (page) => {
    const contact = await makeContact(page, stamp);
    await page.goto(`${BASE}/contacts/${contact.id}`);
    const button = page.getByTestId('ai-research');
    await expectVisible(button, 'the Research button');
    assert.equal(await button.isEnabled(), true, 'an admin may run agents');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/agents/researcher/run') && r.request().method() === 'POST');
    await button.click();
    assert.equal((await answer).status(), 201, 'the researcher ran');
    await expectVisible(page.getByTestId('prep-brief'), 'the research brief on the prep card');
    assert.match(await page.getByTestId('prep-brief-source').innerText(), /by the rules \(fallback/, 'without a model the rules wrote it');

    const drafted = page.waitForResponse((r) => r.url().endsWith('/api/v1/agents/drafter/run') && r.request().method() === 'POST');
    await page.getByTestId('ai-draft').click();
    const run = await (await drafted).json();
    assert.equal(run.agent, 'drafter', JSON.stringify(run));
    await page.getByTestId('toast-review-link').click();
    await waitForPath(page, /^\/review$/, 'Review from the toast');
    const drafts = await json(await api(page, 'GET', `/drafts?contact_id=${contact.id}`), 'the contact\'s drafts');
    const draft = drafts.items.find((d) => d.agent_run_id === run.id);
    assert.ok(draft && draft.author_kind === 'agent' && draft.approval_status === 'pending', `the drafter's draft waits: ${JSON.stringify(drafts.items)}`);
    const item = page.locator(`[data-testid="draft-item"][data-draft-id="${draft.id}"]`);
    await expectVisible(item, 'the drafter\'s draft in the queue');
    await item.locator('.review-item-button').click();
    const author = page.locator(`[data-testid="draft-author-run"][href="/agents/runs/${run.id}"]`);
    await expectVisible(author, 'the drafter named on its draft, linked to its run');
    assert.match(await author.innerText(), /drafter/i);
  });
});

test('the Agents screen and a run fit a phone', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('agents-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const contact = await makeContact(page, stamp, 'Head of Marketing');
    const run = await makeRun(page, contact);
    await page.goto(`${BASE}/agents`);
    await eventually(async () => (await page.getByTestId('agent-row').count()) === 10, 'the ten agents on a phone');
    await expectVisible(page.getByTestId('runs-table'), 'the runs on a phone');
    await expectNoSidewaysScroll(page, 'the Agents screen');
    await page.goto(`${BASE}/agents/runs/${run.id}`);
    await expectVisible(page.getByTestId('run-output-json'), 'the run’s output on a phone');
    await expectNoSidewaysScroll(page, 'a run');
    await screenshot(page, 'agents-run-phone', { fullPage: true });
  });
});

test('a viewer reads the Agents screen, gets Research and Draft with AI disabled and cannot start a swarm', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  const email = `e2e-agents-viewer-${stamp}@example.com`;
  const password = `viewer-pass-${stamp}`;
  let contact;
  await withPage('agents-viewer-setup', {}, async (page) => {
    contact = await makeContact(page, stamp);
    await json(await api(page, 'POST', '/users', { email, name: `E2E Agents viewer ${stamp}`, role: 'viewer', password }), 'creating the viewer');
  });
  await withPage('agents-viewer', { signedIn: false }, async (page) => {
    await signInThroughApi(page.request, { email, password });
    await page.goto(`${BASE}/contacts/${contact.id}`);
    await expectVisible(page.getByTestId('contact-ai'), 'the agents’ buttons');
    assert.equal(await page.getByTestId('ai-research').isDisabled(), true, 'Research is disabled for a viewer');
    assert.equal(await page.getByTestId('ai-draft').isDisabled(), true, 'Draft with AI is disabled for a viewer');
    await page.goto(`${BASE}/agents`);
    await eventually(async () => (await page.getByTestId('agent-row').count()) === 10, 'the ten agents for a viewer');
    await page.goto(`${BASE}/agents/swarms`);
    await expectVisible(page.getByTestId('agents-tabs'), 'the Swarms tab');
    assert.equal(await page.getByTestId('swarm-new').count(), 0, 'a viewer gets no Start a swarm');
  });
});
