// Import: a wizard that brings contacts in from a CSV file. /import chooses the file and creates
// the import job; /import/{id} follows that job through its steps (upload, mapping, dry run,
// run), so a reload shows where it stands on the server and offers to continue.
import { html, useEffect, useRef, useState } from '../../preact.js';
import { imports as importsApi, isAbort } from '../../api.js';
import { navigate } from '../../router.js';
import { PageHeader } from '../../components/layout.js';
import { FormError } from '../../components/field.js';
import { ErrorState, Loading, NotFound } from '../../components/states.js';
import { formatInt, formatShortDateTime } from '../../format.js';
import { useLoad } from '../../use-load.js';
import { MODES, ResumeUpload, UploadForm, UploadProgress, fieldDetails, rememberImport, startedImport, takeNewJob, useUploader } from './upload.js';
import { MappingStep } from './mapping.js';
import { Counts, PhaseProgress, ReportRows, writtenRows } from './report.js';

const STEPS = [
  { key: 'upload', label: 'Upload' },
  { key: 'mapping', label: 'Mapping' },
  { key: 'dry_run', label: 'Dry run' },
  { key: 'run', label: 'Import' },
];

/** A run that answers this many steps in a row without moving on has stalled. */
const MAX_STALLS = 5;

/** The step a job is at, from its state on the server. */
function stepOf(job) {
  if (job.status === 'uploading') return 'upload';
  if (job.status === 'running' || job.status === 'done') return 'run';
  return job.dry_run ? 'dry_run' : 'mapping';
}

function Steps({ current, finished = false }) {
  const at = STEPS.findIndex((s) => s.key === current);
  return html`<ol class="steps" aria-label="Steps" data-testid="import-steps">
    ${STEPS.map((s, i) => {
      const done = finished || i < at;
      const here = !finished && i === at;
      return html`<li key=${s.key} class=${`step ${done ? 'is-done' : ''} ${here ? 'is-current' : ''}`} aria-current=${here ? 'step' : undefined} data-step=${s.key}>
        <span class="step-mark" aria-hidden="true">${done ? '✓' : i + 1}</span>
        <span class="step-label">${s.label}</span>${done ? html`<span class="visually-hidden"> (done)</span>` : null}
      </li>`;
    })}
  </ol>`;
}

function modeLabel(mode) {
  const found = MODES.find((m) => m.value === mode);
  return found ? found.label : mode;
}

const STATUS_LABELS = {
  uploading: 'Upload not finished',
  ready: 'Not imported yet',
  running: 'Import not finished',
  done: 'Imported',
};

/** The team's latest imports, to go back to one (finish it, or read its report). */
function RecentImports() {
  const state = useLoad((signal) => importsApi.list({ signal }), []);
  const items = ((state.data && state.data.items) || []).slice(0, 10);
  if (state.error) {
    return html`<p class="card-text muted" role="alert">
      Could not load the recent imports: ${state.error.message}
      <button type="button" class="btn btn-sm btn-ghost" onClick=${state.retry}>Try again</button>
    </p>`;
  }
  if (!items.length) return null;
  return html`<section class="card card-padded" aria-labelledby="recent-imports-title" data-testid="recent-imports">
    <h2 class="card-title" id="recent-imports-title">Recent imports</h2>
    <ul class="recent-imports">
      ${items.map((j) => {
        const created = j.run && j.run.counts ? Number(j.run.counts.created) || 0 : null;
        return html`<li key=${j.id} class="recent-import" data-testid="recent-import">
          <a class="recent-import-name" href=${`/import/${encodeURIComponent(j.id)}`}>${j.filename}</a>
          <span class=${`badge ${j.status === 'done' ? 'badge-ok' : 'badge-muted'}`} data-testid="recent-import-status">${STATUS_LABELS[j.status] || j.status}</span>
          <span class="muted recent-import-meta">
            ${`${formatInt(j.rows || 0)} ${j.rows === 1 ? 'row' : 'rows'}${created !== null ? ` · ${formatInt(created)} created` : ''} · `}
            <span title=${j.created_at}>${formatShortDateTime(j.created_at)}</span>
          </span>
        </li>`;
      })}
    </ul>
  </section>`;
}

/** /import: step 1, the file and the mode; then on to /import/{id}. */
export function ImportStartScreen() {
  const start = async ({ local, mode }) => {
    const job = await importsApi.create({ filename: local.file.name, total_chunks: local.chunks.length, mode });
    rememberImport(job.id, local, job);
    navigate(`/import/${encodeURIComponent(job.id)}`);
  };
  return html`
    <section class="page page-narrow" data-testid="import">
      <${PageHeader} title="Import contacts" />
      <${Steps} current="upload" />
      <${UploadForm} onStart=${start} />
      <${RecentImports} />
    </section>
  `;
}

/**
 * Runs a phase to its end: POST /run again and again while the phase is not done, each answer
 * going to `onJob`. State: `running` ('dry_run', 'run' or null), and the `error` that stopped
 * the `phase` it was running.
 */
function useRunner(id, onJob) {
  const [state, setState] = useState({ running: null, error: null, phase: null });
  const ctrl = useRef(null);
  useEffect(() => () => ctrl.current && ctrl.current.abort(), []);
  const drive = async (dryRun) => {
    const key = dryRun ? 'dry_run' : 'run';
    if (ctrl.current) ctrl.current.abort();
    const mine = new AbortController();
    ctrl.current = mine;
    setState({ running: key, error: null, phase: key });
    let last = -1;
    let stalls = 0;
    try {
      for (;;) {
        const job = await importsApi.run(id, dryRun, { signal: mine.signal });
        onJob(job);
        const phase = job[key];
        if (!phase || phase.done) break;
        const processed = Number(phase.processed) || 0;
        stalls = processed > last ? 0 : stalls + 1;
        last = processed;
        if (stalls >= MAX_STALLS) throw new Error(`The ${dryRun ? 'dry run' : 'import'} is not moving on (${formatInt(processed)} rows done). Try to continue in a moment.`);
      }
      setState({ running: null, error: null, phase: key });
    } catch (error) {
      if (!isAbort(error)) setState({ running: null, error, phase: key });
    }
  };
  return { ...state, drive };
}

/** Loads the job, unless `created` is the job the start page has just created (as fresh as a GET). */
function useJob(id, created) {
  const [state, setState] = useState(() => ({ job: created, error: null, loading: !created }));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (created && tick === 0) return undefined;
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    importsApi
      .get(id, { signal: ctrl.signal })
      .then((job) => setState({ job, error: null, loading: false }))
      .catch((error) => !isAbort(error) && setState((s) => ({ ...s, error, loading: false })));
    return () => ctrl.abort();
  }, [id, tick]);
  return { ...state, setJob: (job) => setState({ job, error: null, loading: false }), retry: () => setTick((n) => n + 1) };
}

function RunError({ error, onRetry, label }) {
  return html`<${FormError} error=${error} details=${fieldDetails(error)} testid="run-error">
    <div class="form-error-actions">
      <button type="button" class="btn btn-sm" onClick=${onRetry} data-testid="run-retry">${label}</button>
    </div>
  <//>`;
}

function JobLine({ job }) {
  return html`<p class="import-job-line muted" data-testid="import-job">
    <strong class="import-filename">${job.filename}</strong>
    <span>${formatInt(job.rows || 0)} ${job.rows === 1 ? 'row' : 'rows'}</span>
    <span>${modeLabel(job.mode)}</span>
  </p>`;
}

/** Step 3: the dry run running, stopped, or done with its report. */
function DryRunStep({ job, runner, onBackToMapping, onImport }) {
  const phase = job.dry_run;
  const running = runner.running === 'dry_run';
  const done = phase && phase.done && !running;
  const n = writtenRows(phase);
  return html`
    <section class="card card-padded" aria-labelledby="dry-run-title" data-testid="dry-run">
      <h2 class="card-title" id="dry-run-title">3. Dry run</h2>
      <p class="card-text muted">Every row is checked as the import would write it. Nothing is saved yet.</p>
      ${runner.error && html`<${RunError} error=${runner.error} onRetry=${() => runner.drive(true)} label="Continue the dry run" />`}
      ${!done && (phase || running) && html`<${PhaseProgress} phase=${phase} label="Checking rows" testid="dry-run-progress" />`}
      ${!done &&
      !running &&
      !runner.error &&
      html`<div class="form-actions form-actions-start">
        <button type="button" class="btn btn-primary" onClick=${() => runner.drive(true)} data-testid="dry-run-continue">Continue</button>
      </div>`}
      ${done &&
      html`
        <${Counts} phase=${phase} testid="dry-run-counts" dryRun />
        <${ReportRows} key=${`dry_run-${job.updated_at}`} id=${job.id} phase="dry_run" counts=${phase.counts || {}} />
      `}
      <div class="form-actions">
        <button type="button" class="btn" onClick=${onBackToMapping} disabled=${running} data-testid="back-to-mapping">Back to mapping</button>
        ${done &&
        html`<button type="button" class="btn btn-primary" onClick=${onImport} disabled=${n === 0} data-testid="run-import">
          Import ${formatInt(n)} ${n === 1 ? 'row' : 'rows'}
        </button>`}
      </div>
      ${done && n === 0 && html`<p class="form-note muted" data-testid="nothing-to-import">No row would be created or updated: change the mapping or the file.</p>`}
    </section>
  `;
}

/** Step 4: the real run, running, stopped, or done with its report. */
function RunStep({ job, runner }) {
  const phase = job.run;
  const running = runner.running === 'run';
  const done = job.status === 'done' || (phase && phase.done);
  return html`
    <section class="card card-padded" aria-labelledby="run-title" data-testid="run">
      <h2 class="card-title" id="run-title">4. Import</h2>
      ${runner.error && html`<${RunError} error=${runner.error} onRetry=${() => runner.drive(false)} label="Continue the import" />`}
      ${!done && (phase || running) && html`<${PhaseProgress} phase=${phase} label="Importing rows" testid="run-progress" />`}
      ${!done &&
      !running &&
      !runner.error &&
      html`<p class="card-text">This import stopped before its end.</p>
        <div class="form-actions form-actions-start">
          <button type="button" class="btn btn-primary" onClick=${() => runner.drive(false)} data-testid="run-continue">Continue</button>
        </div>`}
      ${done &&
      html`
        <p class="status-banner status-banner-ok" role="status" data-testid="run-done">The import is finished.</p>
        <${Counts} phase=${phase} testid="run-counts" />
        <${ReportRows} id=${job.id} phase="run" counts=${(phase && phase.counts) || {}} />
        <div class="form-actions">
          <a class="btn" href="/import" data-testid="new-import">Import another file</a>
          <a class="btn btn-primary" href="/contacts?sort=-created_at" data-testid="open-contacts">Open contacts</a>
        </div>
      `}
    </section>
  `;
}

/** /import/{id}: the job's current step; the next step follows on its own as each one ends. */
export function ImportJobScreen({ params }) {
  const id = params.id;
  const [local, setLocal] = useState(() => startedImport(id));
  const [created] = useState(() => takeNewJob(id));
  const { job, error, loading, setJob, retry } = useJob(id, created);
  const uploader = useUploader(id, setJob);
  const runner = useRunner(id, setJob);
  const [view, setView] = useState(null); // 'mapping' while the dry run is done but the mapping is open again

  // A file this page has just read: send its parts.
  const sending = useRef(false);
  useEffect(() => {
    if (!local || !job || job.status !== 'uploading' || sending.current) return;
    sending.current = true;
    uploader.send(local, 0);
  }, [local, job && job.status]);

  if (error && !job) {
    if (error.status === 404) {
      return html`<section class="page page-narrow"><${NotFound} title="Import not found" backHref="/import" backLabel="Start an import">
        There is no import at this address.
      <//></section>`;
    }
    return html`<section class="page page-narrow"><${ErrorState} error=${error} title="Could not load this import" onRetry=${retry} /></section>`;
  }
  if (loading || !job) return html`<section class="page page-narrow"><${Loading} label="Loading the import…" /></section>`;

  // A run that failed before its phase began on the server still shows where it failed.
  const step = runner.running || view || (runner.error && runner.phase) || stepOf(job);
  const samples = local ? local.samples : null;

  let body;
  if (step === 'upload') {
    body = html`<section class="card card-padded" aria-labelledby="upload-title" data-testid="upload-step">
      <h2 class="card-title" id="upload-title">1. Upload</h2>
      ${local
        ? html`<${UploadProgress} local=${local} uploader=${uploader} onRetry=${() => uploader.send(local, uploader.part)} />`
        : html`<${ResumeUpload} job=${job} onLocal=${(l) => {
            rememberImport(id, l, null);
            sending.current = false;
            setLocal(l);
          }} />`}
    </section>`;
  } else if (step === 'mapping') {
    body = html`<${MappingStep}
      key=${job.id}
      job=${job}
      samples=${samples}
      onBack=${job.dry_run && job.dry_run.done ? () => setView(null) : null}
      onSaved=${(saved) => {
        setJob(saved);
        setView(null);
        runner.drive(true);
      }}
    />`;
  } else if (step === 'dry_run') {
    body = html`<${DryRunStep} job=${job} runner=${runner} onBackToMapping=${() => setView('mapping')} onImport=${() => runner.drive(false)} />`;
  } else {
    body = html`<${RunStep} job=${job} runner=${runner} />`;
  }

  const finished = job.status === 'done';
  return html`
    <section class="page page-narrow" data-testid="import" data-status=${job.status} data-step=${step}>
      <${PageHeader}
        title="Import contacts"
        crumbs=${[{ href: '/import', label: 'Import' }, { label: job.filename }]}
        actions=${finished ? null : html`<a class="btn btn-ghost" href="/import" data-testid="import-start-over">Start over</a>`}
      />
      <${Steps} current=${step} finished=${finished} />
      <${JobLine} job=${job} />
      ${body}
    </section>
  `;
}
