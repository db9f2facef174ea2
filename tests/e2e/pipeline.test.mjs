// Browser tests of the Pipeline board: a card dragged to a column the stage machine allows moves
// there (and stays after a reload), a column it does not allow refuses the drop, the columns
// empty at load (and rare stages with few cards) are folded to strips that unfold on a click
// and still take a drop, "Show all stages" unfolds them, the "Move
// to…" menu moves a card from the keyboard (Enter/Space open, arrows move, Escape closes), and a
// move the server refuses (409, the contact moved
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
  expectHidden,
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

/** The values of the menu's items, in order. */
const menuValues = (menu) => menu.getByRole('menuitem').evaluateAll((items) => items.map((i) => i.dataset.value));
/** The value of the focused menu item (null when focus is elsewhere). */
const focusedValue = (page) => page.evaluate(() => document.activeElement && document.activeElement.dataset.value);

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

    // The teammate's empty columns are folded to strips; one unfolds on a click and folds back.
    assert.equal(await column(page, 'sequencing').getAttribute('data-collapsed'), null, 'Sequencing, which has a card, is open');
    for (const stage of ['new', 'touched', 'break_up_sent', 'not_interested']) {
      assert.equal(await column(page, stage).getAttribute('data-collapsed'), 'true', `the empty ${stage} column is folded`);
    }
    const folded = await column(page, 'researched').boundingBox();
    const open = await column(page, 'sequencing').boundingBox();
    assert.ok(folded.width < open.width / 3, `a folded column is a narrow strip (${folded.width} px beside ${open.width} px)`);
    await expectText(column(page, 'researched').getByTestId('column-count'), '0', "a folded column's count");
    await column(page, 'researched').getByTestId('column-expand').click();
    await expectVisible(column(page, 'researched').getByText('No contacts'), 'the unfolded empty column');
    assert.equal(await column(page, 'researched').getByTestId('column-collapse').getAttribute('aria-expanded'), 'true');
    await column(page, 'researched').getByTestId('column-collapse').click();
    await expectVisible(column(page, 'researched').getByTestId('column-expand'), 'the column folded again');
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

    // Break-up sent (folded) is allowed: the card moves, the column unfolds, the counts follow,
    // the server agrees.
    await dragCard(page, cardIn(page, 'sequencing', contact.id), 'break_up_sent');
    await expectVisible(cardIn(page, 'break_up_sent', contact.id), 'the card in Break-up sent after the drop');
    assert.equal(await column(page, 'break_up_sent').getAttribute('data-collapsed'), null, 'the column unfolded to show the card');
    assert.equal(await cardIn(page, 'sequencing', contact.id).count(), 0, 'the card left Sequencing');
    await expectText(column(page, 'break_up_sent').getByTestId('column-count'), '1', "Break-up sent's count after the move");
    await expectText(column(page, 'sequencing').getByTestId('column-count'), '0', "Sequencing's count after the move");
    assert.equal(await stageOf(page, contact.id), 'break_up_sent', 'the server has the contact in break_up_sent');
    await screenshot(page, 'pipeline-moved');

    await page.reload();
    await expectVisible(cardIn(page, 'break_up_sent', contact.id), 'the card still in Break-up sent after a reload');
    assert.equal(await cardIn(page, 'sequencing', contact.id).count(), 0, 'not back in Sequencing after a reload');

    // The keyboard way: the card's "Move to…" menu offers only the allowed stages.
    const button = cardIn(page, 'break_up_sent', contact.id).getByTestId('card-move');
    const menu = page.getByTestId('card-move-menu');
    assert.equal(await button.getAttribute('aria-haspopup'), 'menu');
    await button.focus();
    await page.keyboard.press('Enter');
    await expectVisible(menu, 'the menu opened with Enter');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.deepEqual(
      await menuValues(menu),
      ['replied', 'replied_positive', 'replied_negative', 'referred', 'meeting_booked', 'dormant', 'not_interested'],
      'the moves offered from Break-up sent',
    );
    assert.equal(await focusedValue(page), 'replied', 'the first choice has the focus');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedValue(page), 'replied_positive', 'ArrowDown moves to the next choice');
    await page.keyboard.press('End');
    assert.equal(await focusedValue(page), 'not_interested', 'End moves to the last choice');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedValue(page), 'replied', 'ArrowDown wraps to the first');
    await page.keyboard.press('Escape');
    await expectHidden(menu, 'the menu closed with Escape');
    assert.equal(await button.evaluate((b) => b === document.activeElement), true, 'Escape gives the focus back to the button');
    assert.equal(await stageOf(page, contact.id), 'break_up_sent', 'closing the menu moved nothing');
    await page.keyboard.press(' ');
    await expectVisible(menu, 'the menu opened with Space');
    await page.keyboard.press('Enter');
    await expectVisible(cardIn(page, 'replied', contact.id), 'the card in Replied after choosing it in the menu');
    await expectHidden(menu, 'the menu closed after the choice');
    await page.waitForFunction(
      (id) => document.activeElement === document.querySelector(`[data-stage="replied"] [data-contact-id="${id}"] [data-testid="card-move"]`),
      contact.id,
      { timeout: 10_000 },
    );
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

    // Reloaded, the card is in Dormant, a rare stage holding one card: folded, with its count,
    // and unfolded on a click. "Show all stages" unfolds every column.
    await page.reload();
    await expectText(column(page, 'dormant').getByTestId('column-count'), '1', "Dormant's count on its strip");
    assert.equal(await column(page, 'dormant').getAttribute('data-collapsed'), 'true', 'a rare stage with one card is folded');
    assert.equal(await cardIn(page, 'dormant', contact.id).count(), 0, 'its card waits behind the strip');
    await column(page, 'dormant').getByTestId('column-expand').click();
    await expectVisible(cardIn(page, 'dormant', contact.id), 'the card once Dormant unfolds');
    await page.getByTestId('unfold-all').click();
    await expectHidden(page.getByTestId('column-expand'), 'every strip after Show all stages');
    assert.equal(await page.locator('[data-testid="pipeline-column"][data-collapsed]').count(), 0, 'no column is folded');
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
    assert.equal(await page.getByTestId('card-move').count(), 0, 'a viewer gets no Move to… menu');
  });
});

test('the board fits a phone: columns scroll inside the board, and a card moves with its menu', { timeout: 60_000 }, async () => {
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
    assert.equal(await column(page, 'touched').getAttribute('data-collapsed'), null, 'the folded column chosen in the list unfolds');
    await cardIn(page, 'new', contact.id).getByTestId('card-move').click();
    await page.getByTestId('card-move-menu').getByRole('menuitem', { name: 'Touched' }).click();
    await expectVisible(cardIn(page, 'touched', contact.id), 'the card in Touched after choosing it on a phone');
    assert.equal(await stageOf(page, contact.id), 'touched', 'the server has the contact in touched');
    await screenshot(page, 'pipeline-phone');
  });
});
