// Browser tests of the insight screens. The Dashboard (the start page of an admin) draws the
// team's figures, sparklines, funnel and pipeline from the demo data, and what it shows is what
// GET /api/v1/dashboard answers; Analytics draws a breakdown with its intervals and the series
// by channel, keeps its filters in the URL, and its Export CSV link answers CSV; an experiment
// created in the app on a demo sequence's email step shows its variants and its verdict
// ("Collecting"), and Start moves it to running. Each screen fits a phone. Needs OCC_E2E_URL,
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
  uniqueStamp,
  waitForPath,
  withPage,
} from './helpers.mjs';

setup();

/** Integers as the page prints them (the browser's locale may group digits). */
const digits = (text) => Number(String(text).replace(/[^\d]/g, ''));

test('the Dashboard is the start page and draws the team’s figures, funnel and pipeline as the API answers them', { timeout: 60_000 }, async () => {
  await withPage('dashboard', {}, async (page) => {
    await page.goto(`${BASE}/`);
    await waitForPath(page, /^\/dashboard$/, 'the Dashboard as an admin’s start page');
    await expectTitle(page, 'Dashboard · OCC');
    await page.getByTestId('scope-team').click();
    await waitForPath(page, /^\/dashboard$/, 'the Dashboard');
    await eventually(async () => new URL(page.url()).searchParams.get('scope') === 'team', 'scope=team in the URL');
    const data = await json(await api(page, 'GET', '/dashboard?scope=team&days=30'), 'GET /dashboard');

    // One card per figure, each with its value and a sparkline of one point a day.
    const cards = page.getByTestId('dash-figure');
    await expectVisible(cards, 'the figure cards');
    assert.equal(await cards.count(), data.figures.length, 'a card per figure');
    assert.ok(data.figures.length >= 4, 'sends, replies, positive replies and meetings');
    for (const figure of data.figures) {
      const card = page.locator(`[data-testid="dash-figure"][data-metric="${figure.metric}"]`);
      assert.equal(digits(await card.getByTestId('dash-figure-value').textContent()), figure.value, `the ${figure.metric} card shows the API's value`);
      const values = (await card.getByTestId('sparkline').getAttribute('data-values')).split(',').map(Number);
      assert.equal(values.length, data.period.days, `the ${figure.metric} sparkline has a point per day`);
      assert.equal(values.reduce((a, b) => a + b, 0), figure.series.reduce((a, p) => a + p.value, 0), `the ${figure.metric} sparkline adds up to its series`);
      assert.match(await card.getByTestId('sparkline').getAttribute('aria-label'), /by day/, 'the sparkline has an accessible name');
    }
    const sends = data.figures.find((f) => f.metric === 'sends');
    assert.ok(sends && sends.value > 0, `the demo has sends in the last 30 days (${JSON.stringify(sends)})`);

    // The funnel, step by step, with the API's counts.
    const steps = page.getByTestId('funnel-step');
    await expectVisible(steps, 'the funnel');
    const shown = await steps.evaluateAll((gs) => gs.map((g) => [g.dataset.step, Number(g.dataset.count), g.querySelector('[data-testid="funnel-count"]').textContent]));
    assert.deepEqual(
      shown.map(([step, count, text]) => [step, count, digits(text)]),
      data.funnel.map((s) => [s.step, s.count, s.count]),
      'the funnel shows each step’s count',
    );
    assert.ok(data.funnel.some((s) => s.count > 0), 'the demo’s funnel is not empty');
    assert.match(await page.getByTestId('funnel').getAttribute('aria-label'), /Funnel/, 'the funnel has an accessible name');

    // The pipeline by stage: every stage with contacts, its count.
    const stages = await page.getByTestId('dash-stage').evaluateAll((li) => li.map((l) => [l.dataset.stage, Number(l.dataset.count)]));
    assert.deepEqual(stages, data.pipeline.filter((p) => p.count > 0).map((p) => [p.stage, p.count]), 'the pipeline by stage');
    assert.ok(stages.length > 0, 'the demo has contacts in the pipeline');

    // What is waiting, linking to its screens.
    assert.equal(digits(await page.getByTestId('dash-replies-waiting').textContent()), data.replies_waiting, 'replies waiting');
    assert.equal(digits(await page.getByTestId('dash-meetings-week').textContent()), data.meetings_this_week, 'meetings this week');
    await screenshot(page, 'dashboard', { fullPage: true });

    // The period follows the select and the URL.
    await page.getByTestId('dash-days').selectOption('7');
    await eventually(async () => new URL(page.url()).searchParams.get('days') === '7', 'days=7 in the URL');
    await eventually(async () => (await page.getByTestId('sparkline').first().getAttribute('data-values')).split(',').length === 7, 'sparklines of 7 days');

    await page.getByTestId('dash-replies-link').click();
    await waitForPath(page, /^\/replies$/, 'the Replies screen from "Replies waiting"');
  });
});

test('the Dashboard fits a phone', { timeout: 60_000 }, async () => {
  await withPage('dashboard-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/dashboard?scope=team`);
    await expectVisible(page.getByTestId('funnel'), 'the funnel on a phone');
    await expectVisible(page.getByTestId('dash-figure'), 'the figures on a phone');
    await expectNoSidewaysScroll(page, 'the Dashboard');
    await screenshot(page, 'dashboard-phone', { fullPage: true });
  });
});

test('Analytics draws a breakdown with intervals and the series by channel, keeps its filters in the URL and exports CSV', { timeout: 60_000 }, async () => {
  await withPage('analytics', {}, async (page) => {
    await page.goto(`${BASE}/dashboard`);
    await page.getByTestId('nav-analytics').click();
    await waitForPath(page, /^\/analytics$/, 'the Analytics screen');
    await expectTitle(page, 'Analytics · OCC');

    const chart = page.getByTestId('breakdown-chart');
    await expectVisible(chart, 'the breakdown chart');
    const from = await page.getByTestId('analytics-from').inputValue();
    const to = await page.getByTestId('analytics-to').inputValue();
    const data = await json(await api(page, 'GET', `/analytics?metric=reply_rate&by=channel&from=${from}&to=${to}`), 'GET /analytics');
    assert.ok(data.groups.length > 0, 'the demo has sends to break down');
    assert.equal(Number(await chart.getAttribute('data-rows')), data.groups.length, 'a bar per group');
    const rows = page.getByTestId('breakdown-row');
    assert.equal(await rows.count(), data.groups.length, 'a table row per group');
    for (const g of data.groups) {
      const row = page.locator(`[data-testid="breakdown-row"][data-value="${g.value}"]`);
      if (g.too_few) assert.match(await row.textContent(), /too few \(n = \d+\)/, `${g.label} is too few`);
      else assert.equal((await row.getByTestId('breakdown-rate').textContent()).trim(), `${(g.rate * 100).toFixed(1)}%`, `${g.label}'s rate`);
    }
    assert.match(await chart.getAttribute('aria-label'), /Reply rate by channel/, 'the chart has an accessible name');

    // The series: a line per channel over the range.
    const series = page.getByTestId('series-chart');
    await expectVisible(series, 'the series chart');
    assert.equal(await series.getByTestId('chart-line').count(), 3, 'a line per channel');
    assert.ok(Number(await series.getAttribute('data-points')) >= 80, 'a point per day of the last 90 days');
    const box = await series.boundingBox();
    await series.hover({ position: { x: box.width - 20, y: box.height / 2 } });
    await eventually(async () => /Email \d+/.test(await page.getByTestId('series-chart-readout').textContent()), 'the pointed day’s numbers');
    await page.getByTestId('series-interval').selectOption('week');
    await eventually(async () => new URL(page.url()).searchParams.get('interval') === 'week', 'interval=week in the URL');
    await eventually(async () => Number(await series.getAttribute('data-points')) <= 15, 'a point per week');

    // The filters live in the URL: by weekday, and a reload shows the same view.
    await page.getByTestId('analytics-by').selectOption('weekday');
    await eventually(async () => new URL(page.url()).searchParams.get('by') === 'weekday', 'by=weekday in the URL');
    await page.reload();
    assert.equal(await page.getByTestId('analytics-by').inputValue(), 'weekday', 'the reloaded view breaks down by weekday');
    await expectVisible(page.getByTestId('breakdown-chart'), 'the breakdown by weekday');
    await screenshot(page, 'analytics', { fullPage: true });

    // Export CSV: the same query as CSV.
    const href = await page.getByTestId('analytics-export').getAttribute('href');
    const url = new URL(href, BASE);
    assert.equal(url.searchParams.get('by'), 'weekday', 'the export has the view’s filters');
    assert.equal(url.searchParams.get('format'), 'csv', 'the export asks for CSV');
    const csv = await page.request.get(url.toString());
    assert.equal(csv.status(), 200, `the export answered ${csv.status()}`);
    assert.match(csv.headers()['content-type'] || '', /text\/csv/, 'the export is CSV');
    assert.ok((await csv.text()).split('\n').length >= 2, 'a header and rows');
  });
});

test('Analytics fits a phone', { timeout: 60_000 }, async () => {
  await withPage('analytics-phone', { viewport: PHONE, mobile: true }, async (page) => {
    await page.goto(`${BASE}/analytics`);
    await expectVisible(page.getByTestId('breakdown-chart'), 'the breakdown on a phone');
    await expectVisible(page.getByTestId('series-chart'), 'the series on a phone');
    await expectNoSidewaysScroll(page, 'Analytics');
    await screenshot(page, 'analytics-phone', { fullPage: true });
  });
});

/** A demo sequence with an email step that has a subject, and that step. */
async function emailStep(page) {
  const list = await json(await api(page, 'GET', '/sequences?limit=100'), 'listing the sequences');
  for (const s of list.items) {
    const sequence = await json(await api(page, 'GET', `/sequences/${s.id}`), `reading sequence ${s.name}`);
    const step = (sequence.steps || []).find((st) => st.kind === 'email' && st.subject);
    if (step) return { sequence, step };
  }
  assert.fail('the demo should have a sequence with an email step');
}

test('an experiment created in the app shows its variants and that it is collecting, and Start runs it', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('experiment', {}, async (page) => {
    const { sequence, step } = await emailStep(page);
    await page.goto(`${BASE}/experiments`);
    await expectTitle(page, 'Experiments · OCC');
    await page.getByTestId('new-experiment').click();
    await waitForPath(page, /^\/experiments\/new$/, 'the new experiment form');

    await page.getByLabel('Name', { exact: true }).first().fill(`E2E short subject ${stamp}`);
    await page.getByLabel('Hypothesis').fill('A shorter subject gets more replies.');
    await page.getByLabel('Sequence').selectOption(sequence.id);
    await eventually(async () => (await page.locator(`#exp-step option[value="${step.id}"]`).count()) === 1, 'the sequence’s steps');
    await page.getByLabel('Step').selectOption(step.id);
    // The variants start from the step's subject; the sample size follows the rates.
    const contents = page.getByTestId('variant-content');
    await eventually(async () => (await contents.first().inputValue()) === step.subject, 'the control prefilled with the step’s subject');
    await page.getByTestId('exp-baseline').fill('8');
    await page.getByTestId('exp-effect').fill('3');
    await eventually(async () => Number(await page.getByTestId('sample-size').getAttribute('data-per-variant')) > 0, 'the sends each variant needs');
    const perVariant = Number(await page.getByTestId('sample-size').getAttribute('data-per-variant'));
    const sized = await json(await api(page, 'GET', '/experiments/sample-size?baseline_rate=0.08&min_effect=0.03'), 'the sample size');
    assert.equal(perVariant, sized.per_variant, 'the form shows the server’s sample size');
    await page.getByTestId('variant-name').nth(1).fill('Short');
    await contents.nth(1).fill('Quick question');
    // Add a third variant and take it away again.
    await page.getByTestId('variant-add').click();
    assert.equal(await page.getByTestId('variant-row').count(), 3, 'a third variant');
    await page.getByTestId('variant-remove').last().click();
    assert.equal(await page.getByTestId('variant-row').count(), 2, 'back to two variants');
    await screenshot(page, 'experiment-form', { fullPage: true });

    const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/experiments' && r.request().method() === 'POST');
    await page.getByTestId('experiment-save').click();
    const experiment = await json(await created, 'creating the experiment');
    assert.equal(experiment.variants.length, 2, 'two variants');
    await waitForPath(page, new RegExp(`^/experiments/${experiment.id}$`), 'the experiment’s page');

    const screen = page.getByTestId('experiment-screen');
    await expectVisible(screen, 'the experiment');
    assert.equal(await screen.getAttribute('data-status'), 'draft', 'a new experiment is a draft');
    const verdict = page.getByTestId('experiment-verdict');
    assert.equal(await verdict.getAttribute('data-kind'), 'collecting', 'a new experiment is collecting');
    assert.match(await verdict.textContent(), /^Collecting: \d+% of the [\d,]+ sends each variant needs\. No winner is called before that\.$/, 'the verdict in words');
    const chart = page.getByTestId('variants-chart');
    assert.equal(Number(await chart.getAttribute('data-rows')), 2, 'a bar per variant');
    const names = await page.getByTestId('variant-result').evaluateAll((rows) => rows.map((r) => [r.dataset.variant, r.dataset.control]));
    assert.deepEqual(names, [['Control', 'true'], ['Short', 'false']], 'the variants, the control first');

    await page.getByTestId('experiment-start').click();
    await eventually(async () => (await screen.getAttribute('data-status')) === 'running', 'the experiment running after Start');
    const after = await json(await api(page, 'GET', `/experiments/${experiment.id}`), 'reading the experiment');
    assert.equal(after.status, 'running', 'the server says it runs');
    await expectVisible(page.getByTestId('experiment-pause'), 'Pause on a running experiment');
    await screenshot(page, 'experiment', { fullPage: true });

    // It is listed with its status and verdict.
    await page.goto(`${BASE}/experiments`);
    const row = page.getByTestId('experiments-table').locator('tr', { hasText: `E2E short subject ${stamp}` });
    await expectVisible(row, 'the experiment in the list');
    assert.equal(await row.getByTestId('experiment-status').getAttribute('data-status'), 'running', 'listed as running');
    assert.match(await row.getByTestId('experiment-verdict').textContent(), /Collecting/, 'listed as collecting');

    await page.setViewportSize(PHONE);
    await page.goto(`${BASE}/experiments/${experiment.id}`);
    await expectVisible(page.getByTestId('variants-chart'), 'the variants on a phone');
    await expectNoSidewaysScroll(page, 'an experiment');
  });
});
