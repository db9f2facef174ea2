// Import, step 1: the CSV file (a file input inside a drop area) and the mode; reading the file
// into parts the server accepts (see csv.js) with its first rows for the preview; and sending
// the parts, one PUT each, with a progress bar.
import { html, useEffect, useRef, useState } from '../../preact.js';
import { imports as importsApi, isAbort } from '../../api.js';
import { isBlankRow, parseCsv, planChunks, sampleValues } from '../../csv.js';
import { Icon } from '../../components/layout.js';
import { FormError } from '../../components/field.js';
import { ProgressBar } from '../../components/progress.js';

/** How much of the file the preview parses, and how many of its rows. */
const PREVIEW_BYTES = 256 * 1024;
const PREVIEW_ROWS = 12;

export const MODES = [
  { value: 'create', label: 'Create only', hint: 'Contacts that already exist (same email or LinkedIn URL) are skipped.' },
  { value: 'upsert', label: 'Update existing', hint: 'Contacts that already exist are updated from the file; the others are created.' },
];

// What this page load knows of the imports it started: the File, its parts and the preview,
// by job id. A reload forgets them; the job itself is on the server.
const started = new Map();

/** `{ file, chunks, headers, samples }` of an import started in this page load, or null. */
export function startedImport(id) {
  return started.get(id) || null;
}

/** Keeps `local` for import `id`; `job` is the job just created, for `takeNewJob`. */
export function rememberImport(id, local, job) {
  started.set(id, { ...local, job });
}

/** The job the start page has just created, once: later visits (Back) load it afresh. */
export function takeNewJob(id) {
  const local = started.get(id);
  if (!local || !local.job) return null;
  const { job } = local;
  local.job = null;
  return job;
}

/** 1536 → "1.5 KB". */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Reads `file` for the upload: `chunks` (byte ranges ending at record ends), `headers` and the
 * first `samples` of each column. Throws an Error that says what is wrong with the file.
 */
export async function readCsvFile(file, onProgress) {
  if (!file.size) throw new Error('The file is empty.');
  const chunks = await planChunks(file, { onProgress });
  const text = await file.slice(0, PREVIEW_BYTES).text();
  const rows = parseCsv(text, { maxRows: PREVIEW_ROWS, truncated: file.size > PREVIEW_BYTES });
  const header = rows[0] || [];
  if (!header.length || isBlankRow(header)) {
    throw new Error('The first line of the file should name its columns (Email, First name, Company, …).');
  }
  return { file, chunks, headers: header.map((h) => h.trim()), samples: sampleValues(rows, header.length) };
}

/** A file input inside a drop area; `onFile(file)` gets the chosen or dropped file. */
export function FilePicker({ id = 'import-file', file, onFile, disabled }) {
  const [over, setOver] = useState(false);
  const onDragOver = (e) => {
    e.preventDefault();
    if (!disabled) setOver(true);
  };
  const onDrop = (e) => {
    e.preventDefault();
    setOver(false);
    const dropped = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
    if (dropped && !disabled) onFile(dropped);
  };
  return html`
    <label
      for=${id}
      class=${`dropzone ${over ? 'is-over' : ''} ${disabled ? 'is-disabled' : ''} ${file ? 'has-file' : ''}`}
      onDragOver=${onDragOver}
      onDragLeave=${() => setOver(false)}
      onDrop=${onDrop}
      data-testid="dropzone"
    >
      <input
        id=${id}
        type="file"
        accept=".csv,text/csv"
        class="visually-hidden"
        disabled=${disabled}
        onChange=${(e) => {
          const chosen = e.currentTarget.files && e.currentTarget.files[0];
          if (chosen) onFile(chosen);
        }}
        data-testid="import-file"
      />
      <${Icon} name="upload" />
      ${file
        ? html`<span class="dropzone-title"><span data-testid="import-file-name">${file.name}</span> <span class="muted">· ${formatBytes(file.size)}</span></span>
            <span class="dropzone-hint">Choose another file, or drop one here.</span>`
        : html`<span class="dropzone-title">Choose a CSV file</span>
            <span class="dropzone-hint">or drop it here. Its first line names the columns.</span>`}
    </label>
  `;
}

/** Create only or Update existing, as radio buttons. */
export function ModeChoice({ value, onChange, disabled }) {
  return html`
    <fieldset class="checks import-modes" data-testid="import-mode">
      <legend class="field-label">Contacts already in OCC</legend>
      ${MODES.map(
        (m) => html`<label key=${m.value} class="check import-mode">
          <input
            type="radio"
            name="import-mode"
            value=${m.value}
            checked=${value === m.value}
            disabled=${disabled}
            onChange=${() => onChange(m.value)}
            data-testid=${`mode-${m.value}`}
          />
          <span><strong>${m.label}</strong><span class="muted"> · ${m.hint}</span></span>
        </label>`,
      )}
    </fieldset>
  `;
}

/** The lines of an `ApiError`'s field errors, for under its message. */
export function fieldDetails(error) {
  return (Array.isArray(error.fields) ? error.fields : []).map((f) => (f.field ? `${f.field}: ${f.message || f.rule}` : f.message || f.rule));
}

/**
 * Step 1 on /import: pick the file and the mode, then `onStart({ local, mode })` creates the job.
 * Reading a large file takes a moment, shown as a progress bar.
 */
export function UploadForm({ onStart }) {
  const [file, setFile] = useState(null);
  const [mode, setMode] = useState('create');
  const [reading, setReading] = useState(null); // { read, size } while reading
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const formRef = useRef(null);

  // A refusal moves focus to the message, so keyboard and screen-reader users hear it.
  useEffect(() => {
    if (error && formRef.current) formRef.current.querySelector('.form-error')?.focus();
  }, [error]);

  const choose = (f) => {
    setError(null);
    if (!/\.csv$/i.test(f.name) && f.type !== 'text/csv') {
      setFile(null);
      setError({ message: `${f.name} is not a .csv file. Export the sheet as CSV (comma-separated) and choose that.` });
      return;
    }
    setFile(f);
  };

  const submit = async (e) => {
    e.preventDefault();
    if (busy) return;
    if (!file) {
      setError({ message: 'Choose a CSV file first.' });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setReading({ read: 0, size: file.size });
      const local = await readCsvFile(file, (read, size) => setReading({ read, size }));
      setReading(null);
      await onStart({ local, mode });
    } catch (err) {
      if (isAbort(err)) return;
      setReading(null);
      setError(err);
      setBusy(false);
    }
  };

  return html`
    <form ref=${formRef} class="card card-padded import-upload" onSubmit=${submit} noValidate data-testid="import-upload" aria-label="Choose the file">
      <h2 class="card-title">1. Choose the file</h2>
      <p class="card-text muted">
        A CSV file with a header line, one person a row. You match its columns to contact fields next, and a dry run
        shows what would happen before anything is saved.
      </p>
      ${error && html`<${FormError} error=${error} details=${fieldDetails(error)} testid="upload-error" />`}
      <${FilePicker} file=${file} onFile=${choose} disabled=${busy} />
      <${ModeChoice} value=${mode} onChange=${setMode} disabled=${busy} />
      ${reading &&
      html`<${ProgressBar} label="Reading the file" value=${reading.read} max=${reading.size}
        text=${`${formatBytes(reading.read)} of ${formatBytes(reading.size)}`} testid="read-progress" />`}
      <div class="form-actions">
        <button type="submit" class="btn btn-primary" disabled=${busy} data-testid="upload-start">
          ${busy ? 'Starting…' : 'Upload'}
        </button>
      </div>
    </form>
  `;
}

/**
 * Sends the parts of an import's file: `send(local, from)` PUTs parts `from`… in order, each
 * answer going to `onJob(job)`. State: `sending`, `part` (the next part to send), `bytes` sent,
 * and the `error` that stopped it (send again from `part` to retry).
 */
export function useUploader(id, onJob) {
  const [state, setState] = useState({ sending: false, part: 0, bytes: 0, error: null });
  const ctrl = useRef(null);
  useEffect(() => () => ctrl.current && ctrl.current.abort(), []);

  const send = async (local, from = 0) => {
    if (ctrl.current) ctrl.current.abort();
    const mine = new AbortController();
    ctrl.current = mine;
    const { file, chunks } = local;
    let bytes = chunks.slice(0, from).reduce((sum, c) => sum + (c.end - c.start), 0);
    setState({ sending: true, part: from, bytes, error: null });
    for (let n = from; n < chunks.length; n += 1) {
      const { start, end } = chunks[n];
      try {
        const job = await importsApi.putChunk(id, n, file.slice(start, end), { signal: mine.signal });
        bytes += end - start;
        onJob(job);
        setState({ sending: n + 1 < chunks.length, part: n + 1, bytes, error: null });
      } catch (error) {
        if (!isAbort(error)) setState({ sending: false, part: n, bytes, error });
        return;
      }
    }
  };
  return { ...state, send };
}

/** The upload in progress (or stopped by an error, with Retry). */
export function UploadProgress({ local, uploader, onRetry }) {
  const total = local.chunks.length;
  const part = Math.min(uploader.part + (uploader.sending ? 1 : 0), total);
  return html`
    <div class="import-progress">
      <${ProgressBar}
        label="Uploading"
        value=${uploader.bytes}
        max=${local.file.size}
        text=${`Part ${part} of ${total} · ${formatBytes(uploader.bytes)} of ${formatBytes(local.file.size)}`}
        testid="upload-progress"
      />
      ${uploader.error &&
      html`<${FormError} error=${uploader.error} details=${[`Part ${uploader.part + 1} of ${total} did not arrive.`]} testid="upload-error">
        <div class="form-error-actions">
          <button type="button" class="btn btn-sm" onClick=${onRetry} data-testid="upload-retry">Retry</button>
        </div>
      <//>`}
    </div>
  `;
}

/**
 * A job whose upload was cut short and whose file this page no longer has (a reload): choose
 * the same file again and its parts are sent again (sending a part twice replaces it).
 */
export function ResumeUpload({ job, onLocal }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const choose = async (file) => {
    setBusy(true);
    setError(null);
    try {
      const local = await readCsvFile(file);
      if (local.chunks.length !== job.total_chunks) {
        throw new Error(`${file.name} does not split into the ${job.total_chunks} parts this import expects: it is not the same file. Start a new import instead.`);
      }
      onLocal(local);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <div class="import-resume" data-testid="upload-resume">
      <p class="card-text">
        The upload of <strong>${job.filename}</strong> stopped after ${job.received_chunks} of ${job.total_chunks} parts.
        Choose the same file again to send the rest.
      </p>
      ${error && html`<${FormError} error=${error} testid="upload-error" />`}
      <${FilePicker} id="import-file-again" onFile=${choose} disabled=${busy} />
    </div>
  `;
}
