// What the agents do from a contact's page: Research (the researcher writes a brief from the
// stored facts and signals; the prep card shows it) and Draft with AI (the drafter writes an
// email that waits in Review). Viewers, and reps on contacts they may not edit, see the buttons
// disabled. And the research brief on the prep card, saying whether the model or the rules wrote it.
import { html, useState } from '../../preact.js';
import { agentRuns as runsApi, agents as agentsApi } from '../../api.js';
import { useLoad } from '../../use-load.js';
import { toast, toastFailure } from '../../components/toast.js';
import { formatDateTime, formatRelative } from '../../format.js';

/** The Research and Draft with AI buttons; `onResearched(run)` and `onDrafted(run)` follow a success. */
export function AiActions({ contact, canRun, onResearched, onDrafted }) {
  const [busy, setBusy] = useState(null);
  const run = (agent, what, after) => async () => {
    setBusy(agent);
    try {
      const result = await agentsApi.run(agent, { contact_id: contact.id, ...(agent === 'drafter' ? { channel: 'email' } : {}) });
      if (result && result.status === 'failed') {
        toast(`The ${agent} could not ${what}: ${result.error || 'it failed'}`, { kind: 'error', timeoutMs: 8000 });
      } else {
        after(result);
      }
    } catch (err) {
      toastFailure(what, err);
    } finally {
      setBusy(null);
    }
  };
  const research = run('researcher', 'research this contact', (result) => {
    toast(result && result.used_fallback ? 'Research brief written by the rules' : 'Research brief written');
    onResearched(result);
  });
  const draft = run('drafter', 'write a draft', (result) => {
    toast(html`Draft written and waiting for review. <a href="/review" data-testid="toast-review-link">Open Review</a>`, { timeoutMs: 10000 });
    onDrafted(result);
  });
  const why = canRun ? undefined : 'Your role cannot run agents on this contact';
  return html`<div class="contact-ai" role="group" aria-label="Agents" data-testid="contact-ai">
    <button type="button" class="btn" onClick=${research} disabled=${!canRun || Boolean(busy)} title=${why} data-testid="ai-research">
      ${busy === 'researcher' ? 'Researching…' : 'Research'}
    </button>
    <button type="button" class="btn" onClick=${draft} disabled=${!canRun || Boolean(busy)} title=${why} data-testid="ai-draft">
      ${busy === 'drafter' ? 'Drafting…' : 'Draft with AI'}
    </button>
    ${!canRun && html`<span class="muted contact-ai-note">Agents run for the people who may edit this contact.</span>`}
  </div>`;
}

/** Who wrote a brief: the model, or the rules and why (read from its run). */
function BriefSource({ brief }) {
  const run = useLoad(
    (signal) => (brief.used_fallback && brief.run_id && !brief.fallback_reason ? runsApi.get(brief.run_id, { signal }) : Promise.resolve(null)),
    [brief.run_id, brief.used_fallback],
  );
  const reason = brief.fallback_reason || (run.data && run.data.fallback_reason);
  const text = brief.used_fallback ? `by the rules${reason ? ` (fallback: ${reason})` : ' (fallback)'}` : 'by the model';
  return html`<span class="muted prep-brief-source" data-testid="prep-brief-source" data-fallback=${String(Boolean(brief.used_fallback))}>
    Written ${text}${brief.created_at ? html`, <span title=${formatDateTime(brief.created_at)}>${formatRelative(brief.created_at)}</span>` : null}${brief.run_id
      ? html` · <a href=${`/agents/runs/${encodeURIComponent(brief.run_id)}`} data-testid="prep-brief-run">the run</a>`
      : null}
  </span>`;
}

const list = (value) => (Array.isArray(value) ? value.filter((v) => typeof v === 'string' && v.trim()) : []);

/** The researcher's brief on the prep card: summary, talking points, open questions and who wrote it. */
export function ResearchBrief({ brief }) {
  if (!brief || typeof brief !== 'object') return null;
  const points = list(brief.talking_points);
  const questions = list(brief.open_questions);
  return html`<div class="prep-block prep-brief" data-testid="prep-brief">
    <h3 class="prep-heading">Research brief</h3>
    ${brief.summary && html`<p class="prep-line" data-testid="prep-brief-summary">${brief.summary}</p>`}
    ${points.length > 0 &&
    html`<ul class="prep-points" aria-label="Talking points from the research" data-testid="prep-brief-points">
      ${points.map((t, i) => html`<li key=${i}>${t}</li>`)}
    </ul>`}
    ${questions.length > 0 &&
    html`<div class="prep-subheading">Open questions</div>
      <ul class="prep-points" data-testid="prep-brief-questions">
        ${questions.map((t, i) => html`<li key=${i}>${t}</li>`)}
      </ul>`}
    <${BriefSource} brief=${brief} />
  </div>`;
}

/** A brief from a researcher run's answer, for a prep card that does not carry one yet. */
export function briefFromRun(run) {
  if (!run || !run.output || typeof run.output !== 'object') return null;
  const o = run.output.brief && typeof run.output.brief === 'object' ? run.output.brief : run.output;
  return {
    run_id: run.id,
    summary: typeof o.summary === 'string' ? o.summary : null,
    talking_points: o.talking_points,
    open_questions: o.open_questions,
    used_fallback: run.used_fallback,
    fallback_reason: run.fallback_reason,
    created_at: run.finished_at || run.created_at,
  };
}
