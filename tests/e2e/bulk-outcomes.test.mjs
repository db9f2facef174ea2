// Unit tests of public/js/screens/contacts/outcomes.js: how the enroll and Add to batch dialogs
// read the server's answers and say them. No browser and no server: node runs the module as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dayWords,
  enrollSummary,
  enrollWords,
  firstStep,
  memberCounts,
  memberLines,
  singleResult,
  stepKindLabel,
} from '../../public/js/screens/contacts/outcomes.js';

const CONTACT = '0b6f2a36-0000-4000-8000-000000000001';

test('a step’s day offset reads as today, tomorrow or in so many days', () => {
  assert.equal(dayWords(0), 'today');
  assert.equal(dayWords(1), 'tomorrow');
  assert.equal(dayWords(3), 'in 3 days');
  assert.equal(dayWords(undefined), 'today', 'no offset is the day of enrolling');
});

test('the first step is the one with the lowest position, whatever order the steps came in', () => {
  const seq = { steps: [{ position: 2, kind: 'call' }, { position: 1, kind: 'email' }] };
  assert.equal(firstStep(seq).kind, 'email');
  assert.equal(firstStep({ steps: [] }), null);
  assert.equal(stepKindLabel('linkedin_connect'), 'LinkedIn connection request');
});

test('each refusal of the enrollment list is said in words, and the summary counts them', () => {
  const results = [
    { contact_id: 'a', ok: true, enrollment_id: 'e1' },
    { contact_id: 'b', ok: false, error: { code: 'already_enrolled', message: 'the contact is already in the sequence "X"' } },
    { contact_id: 'c', ok: false, error: { code: 'do_not_contact', message: 'the contact is do_not_contact' } },
    { contact_id: 'd', ok: false, error: { code: 'bounced', message: 'the contact is bounced' } },
    { contact_id: 'e', ok: false, error: { code: 'forbidden', message: 'this contact belongs to another user' } },
    { contact_id: 'f', ok: true, enrollment_id: 'e2' },
  ];
  assert.deepEqual(results.map(enrollWords), [
    'Enrolled',
    'Already in a sequence',
    'Do not contact: never enrolled',
    'Bounced: never enrolled',
    'Not yours: another user owns this contact',
    'Enrolled',
  ]);
  assert.equal(enrollSummary(results), '2 enrolled, 1 already in a sequence, 1 marked do not contact, 1 bounced, 1 not yours');
  const odd = { contact_id: 'g', ok: false, error: { code: 'something_new', message: 'a new reason' } };
  assert.equal(enrollWords(odd), 'Not enrolled: a new reason', 'an unknown code keeps the server’s words');
});

test('one contact’s enrollment reads like the list’s: the enrollment, or the refusal about the contact', () => {
  assert.deepEqual(singleResult(CONTACT, { answer: { id: 'e1' } }), { contact_id: CONTACT, ok: true, enrollment_id: 'e1' });
  const cases = [
    [{ status: 409, fields: [{ field: 'contact_id', rule: 'already_enrolled', message: 'already in "X"' }] }, 'already_enrolled'],
    [{ status: 422, fields: [{ field: 'contact_id', rule: 'do_not_contact', message: 'never contacted' }] }, 'do_not_contact'],
    [{ status: 422, fields: [{ field: 'contact_id', rule: 'bounced', message: 'never contacted' }] }, 'bounced'],
    [{ status: 422, fields: [{ field: 'contact_id', rule: 'exists', message: 'contact not found' }] }, 'not_found'],
    [{ status: 403, message: 'Your role (bdr) can’t do this.', detail: 'this contact belongs to another user', fields: [] }, 'forbidden'],
  ];
  for (const [error, code] of cases) {
    const r = singleResult(CONTACT, { error });
    assert.equal(r.ok, false, code);
    assert.equal(r.error.code, code, `a ${error.status} about the contact is ${code}`);
  }
  assert.equal(singleResult(CONTACT, { error: cases[4][0] }).error.message, 'this contact belongs to another user', 'the server’s reason, not the role');
});

test('an error that is not about the contact is thrown for the form to show', () => {
  const paused = { status: 409, message: 'the sequence "X" is paused', fields: [{ field: 'sequence_id', rule: 'status' }] };
  assert.throws(() => singleResult(CONTACT, { error: paused }), (e) => e === paused);
  const offline = { status: 0, code: 'network_error', fields: [] };
  assert.throws(() => singleResult(CONTACT, { error: offline }), (e) => e === offline);
});

test('adding to a batch counts the added, those already in it and those gone, in sentences', () => {
  const counts = memberCounts([
    { contact_id: 'a', outcome: 'added' },
    { contact_id: 'b', outcome: 'already_member' },
    { contact_id: 'c', outcome: 'added' },
    { contact_id: 'd', outcome: 'not_found' },
  ]);
  assert.deepEqual(counts, { added: 2, already: 1, missing: 1 });
  assert.deepEqual(memberLines(counts), ['2 contacts added.', '1 contact was already in it.', '1 contact could not be added: it was deleted.']);
  assert.deepEqual(memberLines({ added: 0, already: 3, missing: 0 }), ['Nobody new was added.', '3 contacts were already in it.']);
});
