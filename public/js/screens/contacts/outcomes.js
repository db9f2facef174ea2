// What enrolling and adding to a batch did, in words: the server's per-contact answers read the
// same way whether one contact or many were sent. No imports, so node tests it as it is.

/** The most contacts one enrollment request takes (the server's limit). */
export const MAX_ENROLL = 500;
/** The most contacts one batch change takes (the server's limit). */
export const MAX_BATCH_CHANGE = 1000;

/** The channel and kind of a sequence step, in words. */
const KIND_WORDS = {
  email: 'Email',
  linkedin_connect: 'LinkedIn connection request',
  linkedin_message: 'LinkedIn message',
  call: 'Call',
};

export function stepKindLabel(kind) {
  return KIND_WORDS[kind] || String(kind || 'step').replace(/_/g, ' ');
}

/** When a step `dayOffset` days into an enrollment made now is due: "today", "tomorrow", "in 3 days". */
export function dayWords(dayOffset) {
  const n = Number(dayOffset) || 0;
  if (n <= 0) return 'today';
  if (n === 1) return 'tomorrow';
  return `in ${n} days`;
}

/** A sequence's first step (by position), or null. */
export function firstStep(sequence) {
  const steps = [...((sequence && sequence.steps) || [])];
  steps.sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  return steps[0] || null;
}

/** Each enrollment outcome's words: `one` for a contact's line, `many` for the summary's count. */
const ENROLL_WORDS = {
  enrolled: { one: 'Enrolled', many: 'enrolled' },
  already_enrolled: { one: 'Already in a sequence', many: 'already in a sequence' },
  do_not_contact: { one: 'Do not contact: never enrolled', many: 'marked do not contact' },
  bounced: { one: 'Bounced: never enrolled', many: 'bounced' },
  forbidden: { one: 'Not yours: another user owns this contact', many: 'not yours' },
  not_found: { one: 'Not found: the contact was deleted', many: 'not found' },
};

/** The outcome of one result: `enrolled` or the error's code. */
export function enrollOutcome(result) {
  if (result.ok) return 'enrolled';
  return (result.error && result.error.code) || 'error';
}

/** A contact's outcome in words ("Enrolled", "Already in a sequence", or the server's message). */
export function enrollWords(result) {
  const known = ENROLL_WORDS[enrollOutcome(result)];
  if (known) return known.one;
  const message = (result.error && result.error.message) || 'not enrolled';
  return `Not enrolled: ${message}`;
}

/** "2 enrolled, 1 already in a sequence": how many of each outcome, enrolled first. */
export function enrollSummary(results) {
  const counts = new Map();
  for (const r of results) {
    const outcome = enrollOutcome(r);
    counts.set(outcome, (counts.get(outcome) || 0) + 1);
  }
  const order = [...Object.keys(ENROLL_WORDS), ...counts.keys()];
  const seen = new Set();
  const parts = [];
  for (const outcome of order) {
    if (seen.has(outcome) || !counts.has(outcome)) continue;
    seen.add(outcome);
    const words = ENROLL_WORDS[outcome] ? ENROLL_WORDS[outcome].many : 'not enrolled';
    parts.push(`${counts.get(outcome)} ${words}`);
  }
  return parts.join(', ');
}

/**
 * One contact's enrollment (`{ sequence_id, contact_id }`) answers the enrollment (201) or an
 * error; this reads either as a result like the list's, `{ contact_id, ok, enrollment_id?,
 * error?: { code, message } }`. An error that is not about the contact (the sequence is paused,
 * the network failed) is thrown again, for the form to show.
 */
export function singleResult(contactId, { answer, error }) {
  if (!error) return { contact_id: contactId, ok: true, enrollment_id: answer && answer.id };
  if (error.status === 403) {
    return { contact_id: contactId, ok: false, error: { code: 'forbidden', message: error.detail || error.message } };
  }
  const field = (error.fields || []).find((f) => f && f.field === 'contact_id');
  if (field && (error.status === 409 || error.status === 422)) {
    const code = field.rule === 'exists' ? 'not_found' : field.rule;
    return { contact_id: contactId, ok: false, error: { code, message: field.message || error.message } };
  }
  throw error;
}

/**
 * What adding to a batch did: `{ added, already, missing }`, counted from the members answer
 * (`results: [{ contact_id, outcome }]`).
 */
export function memberCounts(results) {
  const counts = { added: 0, already: 0, missing: 0 };
  for (const r of results || []) {
    if (r.outcome === 'added') counts.added += 1;
    else if (r.outcome === 'already_member') counts.already += 1;
    else counts.missing += 1;
  }
  return counts;
}

/** "1 contact" / "3 contacts". */
export function contactsCount(n) {
  return `${n} ${n === 1 ? 'contact' : 'contacts'}`;
}

/** The sentences saying what adding to a batch did, for `counts` from `memberCounts`. */
export function memberLines({ added, already, missing }) {
  const lines = [];
  lines.push(added ? `${contactsCount(added)} added.` : 'Nobody new was added.');
  if (already) lines.push(`${contactsCount(already)} ${already === 1 ? 'was' : 'were'} already in it.`);
  if (missing) lines.push(`${contactsCount(missing)} could not be added: ${missing === 1 ? 'it was deleted' : 'they were deleted'}.`);
  return lines;
}
