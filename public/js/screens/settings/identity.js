// Settings → Identities → one identity (managers and admins): New identity, and an identity's
// page with its form (the mailbox's last reading in words in its summary), a "Send test message" box that reports the SMTP conversation's outcome,
// and Delete after a confirmation.
import { html, useState } from '../../preact.js';
import { identities, prefixed } from '../../api.js';
import { navigate } from '../../router.js';
import { useLoad } from '../../use-load.js';
import { SettingsPage } from '../../components/settings-nav.js';
import { Field, errorText } from '../../components/field.js';
import { ConfirmDialog, useConfirm } from '../../components/confirm.js';
import { ErrorState, Loading, NotFound, SupportDetails } from '../../components/states.js';
import { toast } from '../../components/toast.js';
import { IdentityForm } from './identity-form.js';
import { mailboxSummary } from './identity-mailbox.js';
import { StatusBadge, warmupSummary, windowSummary } from './identities.js';

const LIST = '/settings/identities';

function Crumbs({ label }) {
  return html`<nav class="crumbs" aria-label="Breadcrumb">
    <span><a href=${LIST}>Identities</a></span><span>${label}</span>
  </nav>`;
}

export function IdentityCreateScreen({ user }) {
  return html`
    <${SettingsPage} user=${user} section="identities" testid="identity-new">
      <${Crumbs} label="New identity" />
      <h2 class="section-title">New identity</h2>
      <${IdentityForm}
        identity=${null}
        cancelHref=${LIST}
        onSave=${(body) => identities.create(body)}
        onSaved=${(saved) => {
          toast(`Created ${saved.from_email}`);
          navigate(`${LIST}/${encodeURIComponent(saved.id)}`, { replace: true });
        }}
      />
    <//>
  `;
}

/** Sends a test message and shows how the SMTP conversation went. */
function TestSend({ identity }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null); // { ok, code, message } or { error }
  const [error, setError] = useState(null);

  const onSubmit = async (e) => {
    e.preventDefault();
    if (busy) return;
    if (!/^[^\s@]+@[^\s@]+$/.test(to.trim())) {
      setError(['Enter the address to send the test message to.']);
      return;
    }
    setError(null);
    setResult(null);
    setBusy(true);
    try {
      setResult(await identities.test(identity.id, to.trim()));
    } catch (err) {
      const to422 = (err.fields || []).filter((f) => f.field === 'to').map((f) => f.message);
      if (to422.length) setError(to422);
      else setResult({ error: err });
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="card form-section" noValidate onSubmit=${onSubmit} data-testid="identity-test" aria-busy=${busy ? 'true' : 'false'}>
      <h2 class="card-title">Send test message</h2>
      <p class="card-text muted">Sends a short message from ${identity.from_email} through its SMTP server (with the saved settings) and reports the server's answer. It can take up to 20 seconds.</p>
      <div class="field-with-button">
        <${Field}
          id="identity-test-to"
          name="to"
          label="Send to"
          type="email"
          autocomplete="email"
          spellcheck=${false}
          value=${to}
          error=${error}
          onInput=${(e) => {
            setTo(e.currentTarget.value);
            setError(null);
          }}
          disabled=${busy}
        />
        <button type="submit" class="btn" disabled=${busy} data-testid="identity-test-send">${busy ? 'Sending…' : 'Send test'}</button>
      </div>
      ${result && result.error
        ? html`<div class="form-error" role="alert" data-testid="identity-test-result" data-ok="false">
            <strong>${prefixed('Could not run the test', errorText(result.error).message)}</strong>
            <${SupportDetails} error=${result.error} />
          </div>`
        : result &&
          html`<div class=${`test-result ${result.ok ? 'test-ok' : 'test-failed'}`} role=${result.ok ? 'status' : 'alert'} data-testid="identity-test-result" data-ok=${String(result.ok)}>
            <strong data-testid="identity-test-outcome">${result.ok ? 'Sent: the server accepted the message' : 'Failed: the message was not sent'}</strong>
            <div>
              ${result.code ? html`<span class="muted">Code </span><code data-testid="identity-test-code">${result.code}</code> ` : html`<span class="muted">No SMTP reply code</span> `}
            </div>
            <div class="test-message" data-testid="identity-test-message">${result.message}</div>
          </div>`}
    </form>
  `;
}

function Summary({ identity }) {
  return html`
    <div class="card card-padded identity-summary" data-testid="identity-summary">
      <div class="identity-summary-head">
        <strong>${identity.from_name} <span class="muted">${`<${identity.from_email}>`}</span></strong>
        <${StatusBadge} status=${identity.status} />
      </div>
      <div class="muted">${identity.smtp_host}:${identity.smtp_port} · ${identity.smtp_security} · cap ${identity.daily_cap}/day</div>
      <div class="muted">Window: ${windowSummary(identity)} · Warm-up: ${warmupSummary(identity)}</div>
      <div class=${identity.imap_enabled && identity.mailbox_error ? 'field-error' : 'muted'} data-testid="identity-mailbox-summary">
        Mailbox: ${identity.imap_host ? `${identity.imap_host}:${identity.imap_port} · ` : ''}${mailboxSummary(identity)}
      </div>
    </div>
  `;
}

export function IdentityDetailScreen({ user, params }) {
  const load = useLoad((signal) => identities.get(params.id, { signal }), [params.id]);
  const [saved, setSaved] = useState(null);
  const identity = saved || load.data;
  const remove = useConfirm(async (i) => {
    await identities.remove(i.id);
    toast(`Deleted ${i.from_email}`);
    navigate(LIST, { replace: true });
  }, 'delete the identity');

  let body;
  if (load.error && load.error.status === 404) {
    body = html`<${NotFound} title="No such identity" backHref=${LIST} backLabel="Go to identities">It may have been deleted.<//>`;
  } else if (load.error) {
    body = html`<${ErrorState} error=${load.error} title="Could not load the identity" onRetry=${load.retry} />`;
  } else if (!identity) {
    body = html`<${Loading} label="Loading the identity…" />`;
  } else {
    body = html`
      <${Crumbs} label=${identity.from_email} />
      <${Summary} identity=${identity} />
      <${TestSend} identity=${identity} />
      <h2 class="section-title">Settings</h2>
      <${IdentityForm}
        identity=${identity}
        cancelHref=${LIST}
        onSave=${(b) => identities.update(identity.id, b)}
        onSaved=${(i) => {
          setSaved(i);
          toast(`Saved ${i.from_email}`);
        }}
      />
      <div class="card form-section danger-zone">
        <h2 class="card-title">Delete this identity</h2>
        <p class="card-text muted">It stops sending at once; what it already sent stays in the history.</p>
        <div class="form-actions">
          <button type="button" class="btn btn-danger" onClick=${() => remove.ask(identity)} data-testid="identity-delete">Delete identity</button>
        </div>
      </div>
      <${ConfirmDialog} id="identity-delete-dialog" title="Delete this identity?" confirmLabel="Delete identity" danger ...${remove.dialog}>
        <strong>${remove.subject && remove.subject.from_email}</strong> stops sending at once. This cannot be undone.
      <//>
    `;
  }
  return html`<${SettingsPage} user=${user} section="identities" testid="identity-detail">${body}<//>`;
}
