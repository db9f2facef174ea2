// Browser tests of the Pipeline board: a card dragged to a column the stage machine allows moves
// there (and stays after a reload), a column it does not allow refuses the drop, the "Move to…"
// list moves a card from the keyboard, and a move the server refuses (409, the contact moved
// elsewhere meanwhile) shows the server's message and leaves the card where it was. The board is
// filtered to the contacts of a teammate made for the test, so other data cannot crowd it. Needs
// OCC_E2E_URL, OCC_E2E_EMAIL and OCC_E2E_PASSWORD (an admin, such as the demo user); see
// helpers.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE,
  PHONE,
  api,
  expectNoSidewaysScroll,
  expectText,
  expectVisible,
  screenshot,
  setup,
  signInThroughApi,
  uniqueStamp,
  withPage,
} from './helpers.mjs';

setup();

async function json(res, what) {
  const text = await res.text();
  assert.ok(res.ok(), `${what} answered ${res.status()}: ${text}`);
  return JSON.parse(text);
}

/** A bdr made for this run and a contact it owns, in stage new. */
async function teammateWithContact(page, stamp, role = 'bdr') {
  const password = `pipeline-pass-${stamp}`;
  const email = `e2e-pipeline-${stamp}@example.com`;
  const user = await json(await api(page, 'POST', '/users', { email, name: `E2E Pipeline ${stamp}`, role, password }), 'creating a teammate');
  const contact = await json(
    await api(page, 'POST', '/contacts', { first_name: 'Board', last_name: stamp, title: 'Head of Sales', owner_id: user.id }),
    'creating a contact for the teammate',
  );
  assert.equal(contact.stage, 'new', 'a new contact starts in stage new');
  return { user, contact, email, password };
}

const column = (page, stage) => page.locator(`[data-testid="pipeline-column"][data-stage="${stage}"]`);
const cardIn = (page, stage, id) => column(page, stage).locator(`[data-testid="pipeline-card"][data-contact-id="${id}"]`);

async function stageOf(page, id) {
  return (await json(await api(page, 'GET', `/contacts/${id}`), 'reading the contact')).stage;
}

/** Scrolls the board sideways so that `stage`'s column is the first one in view. */
async function scrollBoardTo(page, stage) {
  await page.evaluate((s) => {
    const board = document.querySelector('[data-testid="pipeline-board"]');
    const col = board.querySelector(`[data-testid="pipeline-column"][data-stage="${s}"]`);
    board.scrollLeft += col.getBoundingClientRect().left - board.getBoundingClientRect().left;
  }, stage);
}

/**
 * Presses on the card, moves over `stage`'s column (both in view), notes what every column
 * says while dragging (`data-drop` and classes), and drops there.
 */
async function dragCard(page, card, stage) {
  const from = await card.boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + 30);
  await page.mouse.down();
  const box = await column(page, stage).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 40, { steps: 8 });
  await page.waitForFunction(() => document.querySelector('[data-testid="pipeline-column"][data-drop]'), null, { timeout: 5000 }).catch(() => {});
  const during = await page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('[data-testid="pipeline-column"]')].map((c) => [c.dataset.stage, `${c.dataset.drop || ''} ${c.className}`])),
  );
  await page.mouse.up();
  return during;
}

test('a card dragged to an allowed column moves and stays there; a column the machine does not allow refuses it', { timeout: 90_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('pipeline', {}, async (page) => {
    const { user, contact } = await teammateWithContact(page, stamp);
    await json(await api(page, 'POST', `/contacts/${contact.id}/stage`, { stage: 'sequencing' }), 'moving the contact to sequencing');
    await page.goto(`${BASE}/contacts`);
    await page.getByTestId('nav-pipeline').click();
    await expectVisible(page.getByTestId('pipeline-board'), 'the board');
    assert.equal(await page.getByTestId('pipeline-column').count(), 16, 'a column per stage');
    const order = await page.getByTestId('pipeline-column').evaluateAll((cols) => cols.map((c) => c.dataset.stage));
    assert.deepEqual(order.slice(0, 4), ['new', 'researched', 'drafted', 'touched'], 'the columns in stage order');

    // The teammate's board holds only the test's contact.
    await page.goto(`${BASE}/pipeline?owner=${user.id}`);
    await expectVisible(cardIn(page, 'sequencing', contact.id), 'the contact on the board in Sequencing');
    await expectText(column(page, 'sequencing').getByTestId('column-count'), '1', "Sequencing's count");
    await expectText(cardIn(page, 'sequencing', contact.id).getByTestId('card-name'), `Board ${stamp}`, 'the card shows the name');
    await scrollBoardTo(page, 'touched');

    // Touched is not a move from Sequencing: it is dimmed while dragging and takes no drop.
    const refused = await dragCard(page, cardIn(page, 'sequencing', contact.id), 'touched');
    assert.match(refused.touched, /^no .*is-dimmed/, 'Touched is dimmed and not a drop target while dragging');
    assert.match(refused.break_up_sent, /^yes .*is-target/, 'Break-up sent is highlighted as a drop target while dragging');
    assert.match(refused.new, /^no /, 'New is not a drop target from Sequencing');
    await page.waitForTimeout(500);
    assert.equal(await cardIn(page, 'sequencing', contact.id).count(), 1, 'the card stays in Sequencing after a refused drop');
    assert.equal(await cardIn(page, 'touched', contact.id).count(), 0, 'the card is not in Touched');
    assert.equal(await stageOf(page, contact.id), 'sequencing', 'the server still has the contact in sequencing');

    // Break-up sent is allowed: the card moves, the counts follow, the server agrees.
    await dragCard(page, cardIn(page, 'sequencing', contact.id), 'break_up_sent');
    await expectVisible(cardIn(page, 'break_up_sent', contact.id), 'the card in Break-up sent after the drop');
    assert.equal(await cardIn(page, 'sequencing', contact.id).count(), 0, 'the card left Sequencing');
    await expectText(column(page, 'break_up_sent').getByTestId('column-count'), '1', "Break-up sent's count after the move");
    await expectText(column(page, 'sequencing').getByTestId('column-count'), '0', "Sequencing's count after the move");
    assert.equal(await stageOf(page, contact.id), 'break_up_sent', 'the server has the contact in break_up_sent');
    await screenshot(page, 'pipeline-moved');

    await page.reload();
    await expectVisible(cardIn(page, 'break_up_sent', contact.id), 'the card still in Break-up sent after a reload');
    assert.equal(await cardIn(page, 'sequencing', contact.id).count(), 0, 'not back in Sequencing after a reload');

    // The keyboard way: the card's "Move to…" list offers only the allowed stages.
    const select = cardIn(page, 'break_up_sent', contact.id).getByTestId('card-move');
    const offered = (await select.locator('option').evaluateAll((os) => os.map((o) => o.value))).filter(Boolean);
    assert.deepEqual(
      offered,
      ['replied', 'replied_positive', 'replied_negative', 'referred', 'meeting_booked', 'dormant', 'not_interested'],
      'the moves offered from Break-up sent',
    );
    await select.selectOption('replied');
    await expectVisible(cardIn(page, 'replied', contact.id), 'the card in Replied after choosing it in the list');
    assert.equal(await stageOf(page, contact.id), 'replied', 'the server has the contact in replied');

    // Meanwhile someone moves the contact to Dormant: the stale board's drop is refused (409)
    // with the server's message, and the card stays where it was.
    await json(await api(page, 'POST', `/contacts/${contact.id}/stage`, { stage: 'dormant' }), 'moving the contact behind the board');
    await scrollBoardTo(page, 'replied');
    await dragCard(page, cardIn(page, 'replied', contact.id), 'replied_positive');
    const toast = page.getByTestId('toast').filter({ hasText: /cannot move/ });
    await expectVisible(toast, "the server's refusal in a toast");
    assert.equal(await cardIn(page, 'replied', contact.id).count(), 1, 'the card stays in Replied after a 409');
    assert.equal(await cardIn(page, 'replied_positive', contact.id).count(), 0, 'the card is not in Replied: positive');
    assert.equal(await stageOf(page, contact.id), 'dormant', 'the refused move changed nothing');
    await screenshot(page, 'pipeline-409');
  });
});

test('a viewer sees the board with no drag and no move list', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  let viewer;
  let contact;
  await withPage('pipeline-setup', {}, async (page) => {
    ({ contact } = await teammateWithContact(page, `${stamp}b`));
    viewer = { email: `e2e-pipeline-viewer-${stamp}@example.com`, password: `viewer-pass-${stamp}` };
    await json(await api(page, 'POST', '/users', { ...viewer, name: `E2E Pipeline viewer ${stamp}`, role: 'viewer' }), 'creating a viewer');
  });
  await withPage('pipeline-viewer', { signedIn: false }, async (page) => {
    await signInThroughApi(page.request, viewer);
    await page.goto(`${BASE}/pipeline?owner=${contact.owner_id}`);
    const card = cardIn(page, 'new', contact.id);
    await expectVisible(card, 'the card, which a viewer may read');
    assert.equal(await card.getAttribute('draggable'), 'false', 'a viewer cannot drag a card');
    assert.equal(await page.getByTestId('card-move').count(), 0, 'a viewer gets no Move to… list');
  });
});

test('the board fits a phone: columns scroll inside the board, and a card moves with its list', { timeout: 60_000 }, async () => {
  const stamp = uniqueStamp();
  await withPage('pipeline-phone', { viewport: PHONE, mobile: true }, async (page) => {
    const { user, contact } = await teammateWithContact(page, stamp);
    await page.goto(`${BASE}/pipeline?owner=${user.id}`);
    await expectVisible(cardIn(page, 'new', contact.id), 'the card on a phone');
    await expectNoSidewaysScroll(page, 'the pipeline board');
    // Columns are swiped through; the stage list scrolls the board to one.
    await page.getByTestId('pipeline-jump').selectOption('touched');
    await page.waitForFunction(() => {
      const board = document.querySelector('[data-testid="pipeline-board"]');
      const col = board.querySelector('[data-stage="touched"]');
      return Math.abs(col.getBoundingClientRect().left - board.getBoundingClientRect().left) < 4;
    }, null, { timeout: 5000 });
    await cardIn(page, 'new', contact.id).getByTestId('card-move').selectOption('touched');
    await expectVisible(cardIn(page, 'touched', contact.id), 'the card in Touched after choosing it on a phone');
    assert.equal(await stageOf(page, contact.id), 'touched', 'the server has the contact in touched');
    await screenshot(page, 'pipeline-phone');
  });
});
