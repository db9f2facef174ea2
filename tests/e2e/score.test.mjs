// Browser tests of a contact's priority score: the factors add up to the score, a strong signal
// added in the page raises it and adds a point to the history chart, and a senior title raises
// the seniority factor. Needs OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such
// as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PHONE, WAIT_MS, api, expectNoSidewaysScroll, expectText, expectVisible, screenshot, setup, uniqueStamp, waitForPath, withPage } from './helpers.mjs';

setup();

/** The score and factors the score card shows: `{ score, factors: { key: points } }`. */
async function readScore(page) {
  const score = Number(await page.getByTestId('score-value').textContent());
  const factors = await page
    .getByTestId('score-factor')
    .evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.factor, Number(e.dataset.points)])));
  return { score, factors };
}

const sum = (factors) => Object.values(factors).reduce((a, b) => a + b, 0);

/** Waits until the history chart has loaded and shows `n` points (any number when `n` is null). */
async function historyPoints(page, n = null) {
  const chart = page.getByTestId('score-history');
  const deadline = Date.now() + WAIT_MS;
  let count = null;
  let points = null;
  while (Date.now() < deadline) {
    count = await chart.getAttribute('data-count').catch(() => null);
    points = await chart.getByTestId('score-point').count();
    const busy = (await chart.getAttribute('aria-busy').catch(() => null)) === 'true';
    if (count !== null && !busy && Number(count) === points && (n === null || points === n)) return points;
    await page.waitForTimeout(100);
  }
  assert.fail(`expected the score history chart to show ${n === null ? 'its points' : `${n} points`}, it shows ${points} (data-count ${count})`);
}

/** Polls the score card until `check(score)` holds; returns the last reading. */
async function waitForScore(page, check, what) {
  const deadline = Date.now() + WAIT_MS;
  let now = await readScore(page);
  while (Date.now() < deadline && !check(now)) {
    await page.waitForTimeout(150);
    now = await readScore(page);
  }
  assert.ok(check(now), `${what}; the card shows ${JSON.stringify(now)}`);
  return now;
}

test('a strong signal raises the score and adds a point to its history; a senior title raises the seniority factor', async () => {
  const stamp = uniqueStamp();
  await withPage('score', {}, async (page) => {
    // A demo manager below the top score with no signal yet: a signal and a senior title both have room to count.
    const res = await api(page, 'GET', '/contacts?seniority=manager&limit=100');
    assert.equal(res.status(), 200, `listing managers answered ${res.status()}`);
    const contact = (await res.json()).items.find(
      (c) => c.priority_score < 90 && c.priority_factors && c.priority_factors.signals === 0 && c.priority_factors.seniority !== undefined,
    );
    assert.ok(contact, 'the demo data should have a scored manager below 90 with no signal');

    await page.goto(`${BASE}/contacts/${contact.id}`);
    await expectVisible(page.getByTestId('score-card'), 'the score card');
    const before = await readScore(page);
    assert.equal(before.score, contact.priority_score, 'the card shows the score the API has');
    assert.ok(Object.keys(before.factors).length >= 2, `the card breaks the score into factors: ${JSON.stringify(before.factors)}`);
    assert.equal(sum(before.factors), before.score, `the factors ${JSON.stringify(before.factors)} add up to the score ${before.score}`);

    const pointsBefore = await historyPoints(page);
    assert.ok(pointsBefore >= 1, 'a scored demo contact has at least one score in its history');
    const history = await (await api(page, 'GET', `/contacts/${contact.id}/score-history`)).json();
    assert.equal(pointsBefore, history.items.length, 'the chart has a point per score the API lists');
    const last = page.getByTestId('score-point').last();
    assert.equal(Number(await last.getAttribute('data-score')), before.score, 'the last point is the current score');
    const described = await page.getByTestId('score-history').locator('desc').textContent();
    assert.match(described || '', /\d/, 'the chart describes its scores in words');
    await screenshot(page, 'score-before');

    // A strong, fresh signal.
    await page.getByTestId('add-signal').click();
    await page.getByLabel('Kind', { exact: true }).selectOption('funding');
    await page.getByLabel('Strength', { exact: true }).selectOption('5');
    await page.getByLabel('Title', { exact: true }).fill(`Raised a Series C ${stamp}`);
    await page.getByTestId('signal-submit').click();
    await expectVisible(page.getByTestId('signal').filter({ hasText: `Raised a Series C ${stamp}` }), 'the new signal');

    const withSignal = await waitForScore(page, (s) => s.score > before.score || s.score === 100, 'the score should rise after a strength-5 signal');
    assert.ok(withSignal.factors.signals > 0, `the signals factor counts the new signal: ${JSON.stringify(withSignal.factors)}`);
    assert.equal(sum(withSignal.factors), withSignal.score, `the new factors ${JSON.stringify(withSignal.factors)} add up to the new score`);
    await historyPoints(page, pointsBefore + 1);
    assert.equal(Number(await page.getByTestId('score-point').last().getAttribute('data-score')), withSignal.score, 'the new point is the new score');
    await screenshot(page, 'score-after-signal');

    // A senior title: the server works the seniority out again and rescores.
    await page.getByTestId('edit-contact').click();
    await waitForPath(page, /^\/contacts\/[^/]+\/edit$/, 'the edit form');
    await page.getByLabel('Title', { exact: true }).fill('Chief Revenue Officer');
    await page.getByTestId('submit').click();
    await waitForPath(page, /^\/contacts\/[^/]+$/, 'the contact after saving');
    await expectText(page.getByTestId('contact-seniority'), 'C-level', 'the seniority worked out from the new title');
    const senior = await waitForScore(
      page,
      (s) => s.factors.seniority > withSignal.factors.seniority,
      `the seniority factor should rise from ${withSignal.factors.seniority} with a C-level title`,
    );
    assert.equal(sum(senior.factors), senior.score, `the factors ${JSON.stringify(senior.factors)} add up to the score`);
    assert.ok(senior.score >= withSignal.score, `a more senior title does not lower the score (${withSignal.score} → ${senior.score})`);
    await historyPoints(page, pointsBefore + 2);
    await screenshot(page, 'score-after-title', { fullPage: true });

    await page.setViewportSize(PHONE);
    await expectVisible(page.getByTestId('score-history'), 'the score history on a phone');
    await expectNoSidewaysScroll(page, 'the contact with its score history');
    await screenshot(page, 'phone-score', { fullPage: true });
  });
});
