// What the contacts screens say about a contact's closed sets (stage, status, seniority,
// department, signal kind): the values the API takes, their labels, and the badges that show them.
import { html } from './preact.js';

function labelled(pairs) {
  return pairs.map(([value, label]) => ({ value, label }));
}

export const STAGES = labelled([
  ['new', 'New'],
  ['researched', 'Researched'],
  ['drafted', 'Drafted'],
  ['touched', 'Touched'],
  ['sequencing', 'Sequencing'],
  ['break_up_sent', 'Break-up sent'],
  ['replied', 'Replied'],
  ['replied_positive', 'Replied: positive'],
  ['replied_negative', 'Replied: negative'],
  ['referred', 'Referred'],
  ['meeting_booked', 'Meeting booked'],
  ['meeting_held', 'Meeting held'],
  ['opportunity', 'Opportunity'],
  ['dormant', 'Dormant'],
  ['re_engaged', 'Re-engaged'],
  ['not_interested', 'Not interested'],
]);

export const STATUSES = labelled([
  ['active', 'Active'],
  ['dormant', 'Dormant'],
  ['bounced', 'Bounced'],
  ['do_not_contact', 'Do not contact'],
]);

export const SENIORITIES = labelled([
  ['c_level', 'C-level'],
  ['vp', 'VP'],
  ['director', 'Director'],
  ['manager', 'Manager'],
  ['senior', 'Senior'],
  ['entry', 'Entry'],
  ['unknown', 'Unknown'],
]);

export const DEPARTMENTS = labelled([
  ['engineering', 'Engineering'],
  ['sales', 'Sales'],
  ['marketing', 'Marketing'],
  ['finance', 'Finance'],
  ['operations', 'Operations'],
  ['hr', 'HR'],
  ['it', 'IT'],
  ['product', 'Product'],
  ['executive', 'Executive'],
  ['legal', 'Legal'],
  ['customer_success', 'Customer success'],
  ['other', 'Other'],
]);

export const SIGNAL_KINDS = labelled([
  ['job_change', 'Job change'],
  ['funding', 'Funding'],
  ['hiring', 'Hiring'],
  ['tech_adoption', 'Tech adoption'],
  ['news', 'News'],
  ['content_engagement', 'Content engagement'],
  ['website_visit', 'Website visit'],
  ['intent_topic', 'Intent topic'],
  ['custom', 'Custom'],
]);

/** The label of `value` in `list`, or the value itself when the list does not know it. */
export function labelOf(list, value) {
  const found = list.find((o) => o.value === value);
  return found ? found.label : value;
}

/** "First Last", or the first name alone. */
export function contactName(c) {
  return [c.first_name, c.last_name].filter(Boolean).join(' ') || 'Unnamed';
}

// The colour a stage shows in: where it is in the funnel.
const STAGE_TONE = {
  new: 'neutral',
  researched: 'neutral',
  drafted: 'neutral',
  touched: 'active',
  sequencing: 'active',
  break_up_sent: 'active',
  re_engaged: 'active',
  replied: 'reply',
  referred: 'reply',
  replied_positive: 'good',
  meeting_booked: 'good',
  meeting_held: 'good',
  opportunity: 'best',
  replied_negative: 'bad',
  not_interested: 'closed',
  dormant: 'closed',
};

export function StageBadge({ stage }) {
  return html`<span class=${`badge stage stage-${STAGE_TONE[stage] || 'neutral'}`} data-testid="stage-badge" data-stage=${stage}>
    ${labelOf(STAGES, stage)}
  </span>`;
}

const STATUS_TONE = { active: 'badge-ok', dormant: 'badge-muted', bounced: 'badge-bad', do_not_contact: 'badge-bad' };

export function StatusBadge({ status }) {
  return html`<span class=${`badge ${STATUS_TONE[status] || 'badge-muted'}`} data-testid="status-badge" data-status=${status}>
    ${labelOf(STATUSES, status)}
  </span>`;
}
