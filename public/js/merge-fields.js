// The merge fields of sequence templates ({{first_name}} …), filled in for a sample contact the
// way the server fills them, so the sequence editor can preview a step. A field may carry a
// fallback after a bar ({{signal|your recent news}}) for a contact without a value. A field the
// contact has no value for and no fallback, or one the server does not know, stays unresolved
// and is shown highlighted.

/** The merge fields the server knows, in the order the editor lists them. */
export const MERGE_FIELDS = ['first_name', 'last_name', 'full_name', 'title', 'company', 'signal', 'sender_name', 'sender_first_name'];

const FIELD_RE = /\{\{\s*([a-zA-Z0-9_]+)\s*(?:\|([^}]*))?\}\}/g;

/** The values of the merge fields for `contact` (with its `account`) written by `sender`. */
export function mergeValues(contact, sender, signal) {
  const c = contact || {};
  const full = [c.first_name, c.last_name].filter(Boolean).join(' ');
  const senderName = (sender && (sender.name || '')) || '';
  return {
    first_name: c.first_name || '',
    last_name: c.last_name || '',
    full_name: full,
    title: c.title || '',
    company: (c.account && c.account.name) || c.company || '',
    signal: (signal && (signal.title || signal.summary || signal.kind)) || '',
    sender_name: senderName,
    sender_first_name: senderName.split(/\s+/)[0] || '',
  };
}

/** The merge fields `text` uses that the server does not know. */
export function unknownFields(text) {
  const out = [];
  for (const m of (text || '').matchAll(FIELD_RE)) if (!MERGE_FIELDS.includes(m[1]) && !out.includes(m[1])) out.push(m[1]);
  return out;
}

/**
 * `text` cut into parts: `{ text }` for plain text and filled fields (`fallback: true` where the
 * field's fallback filled it), `{ field, unresolved: true }` for a field with no value and no
 * fallback (or an unknown one).
 */
export function renderParts(text, values) {
  const parts = [];
  let last = 0;
  for (const m of (text || '').matchAll(FIELD_RE)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    const known = MERGE_FIELDS.includes(m[1]);
    const value = known ? values[m[1]] : '';
    if (value) parts.push({ text: value, field: m[1] });
    else if (known && m[2] !== undefined) parts.push({ text: m[2].trim(), field: m[1], fallback: true });
    else parts.push({ field: m[1], unresolved: true });
    last = m.index + m[0].length;
  }
  if (last < (text || '').length) parts.push({ text: text.slice(last) });
  return parts;
}
