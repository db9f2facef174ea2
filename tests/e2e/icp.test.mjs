// Browser tests of Settings → ICP model: the weights with their live total, a target industry
// tag, saving as a new version, and the saved values after a reload. Needs OCC_E2E_URL,
// OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  screenshot,
  setup,
  sharedUser,
  uniqueStamp,
  waitForPath,
  withPage,
  expectTitle,
} from './helpers.mjs';

setup();

const FACTORS = ['industry', 'seniority', 'department', 'company_size', 'signals', 'engagement'];

async function readWeights(page) {
  const out = {};
  for (const f of FACTORS) out[f] = Number(await page.getByTestId(`weight-${f}`).inputValue());
  return out;
}

async function versionOf(page) {
  return Number(await page.getByTestId('icp-version').getAttribute('data-version'));
}

test('an admin changes the ICP weights and a target industry, and saves a new version', async () => {
  const industry = `E2E Industry ${uniqueStamp()}`;
  await withPage('icp', {}, async (page) => {
    await page.goto(`${BASE}/settings`);
    await waitForPath(page, /^\/settings\/profile$/, 'Settings → Profile');
    await page.getByTestId('settings-icp').click();
    await waitForPath(page, /^\/settings\/icp$/, 'Settings → ICP model');
    await expectVisible(page.getByTestId('icp-form'), 'the ICP model form');
    await expectTitle(page, 'ICP model · Settings · OCC');
    const version = await versionOf(page);
    assert.ok(Number.isInteger(version) && version >= 0, `the version should be a number, it is ${version}`);
    await expectText(page.getByTestId('weights-total'), '100', 'the total of the saved weights');
    await expectText(page.getByTestId('icp-save'), `Save as version ${version + 1}`, 'the save button');
    await screenshot(page, 'icp', { fullPage: true });

    // Take points from the two largest weights: the total drops below 100 and Save is disabled.
    const before = await readWeights(page);
    const [first, second] = [...FACTORS].sort((a, b) => before[b] - before[a]);
    const fromFirst = 6;
    const fromSecond = Math.min(before[second], 4);
    const missing = fromFirst + fromSecond;
    await page.getByTestId(`weight-${first}`).fill(String(before[first] - fromFirst));
    await page.getByTestId(`weight-${second}`).fill(String(before[second] - fromSecond));
    await expectText(page.getByTestId('weights-total'), String(100 - missing), 'the total after taking points away');
    await expectText(page.getByTestId('weights-remaining'), `${missing} points left`, 'the points left to assign');
    assert.equal(await page.getByTestId('icp-save').isDisabled(), true, 'Save is disabled while the weights do not add up to 100');
    await screenshot(page, 'icp-weights-off');

    // Give the missing points to a third factor: back to 100, and Save is enabled.
    const third = FACTORS.find((f) => f !== first && f !== second);
    await page.getByTestId(`weight-${third}`).fill(String(before[third] + missing));
    await expectText(page.getByTestId('weights-total'), '100', 'the total after fixing the weights');
    await expectText(page.getByTestId('weights-remaining'), 'All 100 points assigned', 'no points left');
    assert.equal(await page.getByTestId('icp-save').isDisabled(), false, 'Save is enabled once the weights add up to 100');
    const expected = { ...before, [first]: before[first] - fromFirst, [second]: before[second] - fromSecond, [third]: before[third] + missing };

    const entry = page.getByTestId('target_industries-input');
    await entry.fill(industry);
    await entry.press('Enter');
    const tag = page.getByTestId('target_industries-tag').filter({ hasText: industry });
    await expectVisible(tag, `the tag ${industry}`);
    assert.equal(await entry.inputValue(), '', 'Enter empties the entry');
    // × removes a tag; add it back.
    await tag.getByRole('button', { name: `Remove ${industry}` }).click();
    assert.equal(await tag.count(), 0, '× removes the tag');
    await entry.fill(industry);
    await entry.press('Enter');
    await expectVisible(tag, `the tag ${industry} again`);

    await page.getByTestId('icp-save').click();
    await expectText(page.getByTestId('icp-save'), `Save as version ${version + 2}`, 'the save button after saving');
    assert.equal(await versionOf(page), version + 1, 'saving makes a new version');
    await expectText(page.getByTestId('icp-saved-by'), `you (${sharedUser().name || sharedUser().email})`, 'who saved the version');
    // Everyone is rescored with the new version while the page is open.
    await page
      .waitForFunction(
        (v) => document.querySelector('[data-testid="rescore-done"]')?.textContent.includes(`scored with version ${v}.`),
        version + 1,
        { timeout: 30_000 },
      )
      .catch(() => assert.fail('every contact should be rescored with the new version while the page is open'));
    const progress = await page.evaluate(async () => (await fetch('/api/v1/settings/icp/rescore')).json());
    assert.equal(progress.done, true, `the server agrees: ${JSON.stringify(progress)}`);
    assert.equal(progress.scored, progress.total, 'nobody left behind');
    await screenshot(page, 'icp-saved', { fullPage: true });

    await page.reload();
    await expectVisible(page.getByTestId('icp-form'), 'the ICP model form after a reload');
    assert.equal(await versionOf(page), version + 1, 'the new version after a reload');
    assert.deepEqual(await readWeights(page), expected, 'the saved weights after a reload');
    await expectVisible(page.getByTestId('target_industries-tag').filter({ hasText: industry }), 'the saved tag after a reload');
    await expectText(page.getByTestId('weights-total'), '100', 'the total after a reload');

    await page.setViewportSize(PHONE);
    await page.reload();
    await expectVisible(page.getByTestId('icp-form'), 'the ICP model form on a phone');
    await expectNoSidewaysScroll(page, 'the ICP model');
    await screenshot(page, 'phone-icp', { fullPage: true });
  });
});

test('a bad head-count range shows next to its field, and Reset to defaults loads the defaults', async () => {
  await withPage('icp-errors', {}, async (page) => {
    await page.goto(`${BASE}/settings/icp`);
    await expectVisible(page.getByTestId('icp-form'), 'the ICP model form');
    const version = await versionOf(page);
    await page.getByTestId('size-min').fill('500');
    await page.getByTestId('size-max').fill('100');
    await page.getByTestId('icp-save').click();
    await expectVisible(page.getByTestId('field-error-company_size'), 'the head-count error');
    assert.equal(await versionOf(page), version, 'nothing is saved');

    await page.getByTestId('icp-reset').click();
    // The reset asks the server first; wait for the form to be refilled, not just re-rendered.
    await page
      .waitForFunction(() => document.querySelector('[data-testid="weight-industry"]')?.value === '20', null, { timeout: 10_000 })
      .catch(() => {});
    await expectText(page.getByTestId('weights-total'), '100', 'the total of the defaults');
    assert.equal(await page.getByTestId('weight-industry').inputValue(), '20', 'the default industry weight');
    assert.equal(await page.getByTestId('size-max').inputValue(), '1000', 'the default largest head count');
    assert.equal(await page.getByTestId('department-sales').isChecked(), true, 'sales is a default target department');
    await screenshot(page, 'icp-defaults', { fullPage: true });
  });
});
