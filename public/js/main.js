// Entry point: the route table and the app frame. Before any screen shows, the app asks
// /auth/session who is signed in (which also hands over the CSRF token); signed out, every page
// but /login leads to /login?next=<that page>.
import { html, render, useEffect, useRef, useState } from './preact.js';
import { matchRoute, navigate, useLocation } from './router.js';
import { auth, loginPath } from './api.js';
import { canManageExperiments, canManageIdentities, canManageUsers, canReadAudit, canReviewDrafts, canWriteAccounts, canWriteContacts, canWriteSequences, useUser } from './access.js';
import { Layout } from './components/layout.js';
import { ErrorState, Forbidden, Loading, NotFound } from './components/states.js';
import { LoginScreen } from './screens/system/login.js';
import { StatusScreen } from './screens/system/status.js';
import { AccountsListScreen } from './screens/accounts/list.js';
import { AccountDetailScreen } from './screens/accounts/detail.js';
import { AccountCreateScreen, AccountEditScreen } from './screens/accounts/form.js';
import { ContactsListScreen } from './screens/contacts/list.js';
import { ContactDetailScreen } from './screens/contacts/detail.js';
import { ContactCreateScreen, ContactEditScreen } from './screens/contacts/form.js';
import { ImportJobScreen, ImportStartScreen } from './screens/import/import.js';
import { AuditScreen } from './screens/system/audit.js';
import { ReviewScreen } from './screens/outreach/review.js';
import { SequencesListScreen } from './screens/outreach/sequences-list.js';
import { SequenceCreateScreen, SequenceEditScreen } from './screens/outreach/sequence-editor.js';
import { ProfileScreen } from './screens/settings/profile.js';
import { TokensScreen } from './screens/settings/tokens.js';
import { UsersScreen } from './screens/settings/users.js';
import { IcpScreen } from './screens/settings/icp.js';
import { IdentitiesScreen } from './screens/settings/identities.js';
import { IdentityCreateScreen, IdentityDetailScreen } from './screens/settings/identity.js';
import { SuppressionScreen } from './screens/settings/suppression.js';
import { PacingScreen } from './screens/settings/pacing.js';
import { PipelineScreen } from './screens/pipeline/board.js';
import { OpportunitiesScreen } from './screens/pipeline/opportunities.js';
import { BatchesListScreen } from './screens/outreach/batches-list.js';
import { BatchCreateScreen } from './screens/outreach/batch-form.js';
import { BatchDetailScreen } from './screens/outreach/batch-detail.js';
import { TodayScreen } from './screens/today/today.js';
import { RepliesScreen } from './screens/replies/replies.js';
import { LinkedinScreen } from './screens/linkedin/linkedin.js';
import { AgentsScreen } from './screens/agents/agents.js';
import { AgentRunScreen } from './screens/agents/run.js';
import { SwarmsScreen } from './screens/agents/swarms.js';
import { SwarmScreen } from './screens/agents/swarm.js';
import { DashboardScreen } from './screens/insights/dashboard.js';
import { AnalyticsScreen } from './screens/insights/analytics.js';
import { ExperimentsListScreen } from './screens/experiments/list.js';
import { ExperimentCreateScreen } from './screens/experiments/form.js';
import { ExperimentScreen } from './screens/experiments/detail.js';

/** The start page (`/` leads there): the Dashboard for managers and admins, Today for the others. */
const startPage = (user) => (canManageExperiments(user) ? '/dashboard' : '/today');

// Order matters: /accounts/new before /accounts/:id (and /contacts/new, /sequences/new, /batches/new likewise). `allow(user)` guards a page by role;
// `public` pages show without signing in and without the app frame.
const ROUTES = [
  { path: '/login', screen: LoginScreen, title: 'Sign in', public: true },
  { path: '/', redirect: startPage, title: 'OCC' },
  { path: '/dashboard', screen: DashboardScreen, title: 'Dashboard', key: 'dashboard' },
  { path: '/today', screen: TodayScreen, title: 'Today', key: 'today' },
  { path: '/replies', screen: RepliesScreen, title: 'Replies', key: 'replies' },
  { path: '/accounts', screen: AccountsListScreen, title: 'Accounts', key: 'accounts' },
  { path: '/accounts/new', screen: AccountCreateScreen, title: 'New account', allow: canWriteAccounts },
  { path: '/accounts/:id', screen: AccountDetailScreen, title: 'Account' },
  { path: '/accounts/:id/edit', screen: AccountEditScreen, title: 'Edit account', allow: canWriteAccounts },
  { path: '/contacts', screen: ContactsListScreen, title: 'Contacts', key: 'contacts' },
  { path: '/contacts/new', screen: ContactCreateScreen, title: 'New contact', allow: canWriteContacts },
  { path: '/contacts/:id', screen: ContactDetailScreen, title: 'Contact' },
  { path: '/contacts/:id/edit', screen: ContactEditScreen, title: 'Edit contact', allow: canWriteContacts },
  { path: '/pipeline', screen: PipelineScreen, title: 'Pipeline', key: 'pipeline' },
  { path: '/opportunities', screen: OpportunitiesScreen, title: 'Opportunities', key: 'opportunities' },
  { path: '/linkedin', screen: LinkedinScreen, title: 'LinkedIn', key: 'linkedin' },
  { path: '/import', screen: ImportStartScreen, title: 'Import', allow: canWriteContacts },
  { path: '/import/:id', screen: ImportJobScreen, title: 'Import', allow: canWriteContacts },
  { path: '/review', screen: ReviewScreen, title: 'Review', allow: canReviewDrafts },
  { path: '/sequences', screen: SequencesListScreen, title: 'Sequences' },
  { path: '/sequences/new', screen: SequenceCreateScreen, title: 'New sequence', allow: canWriteSequences },
  { path: '/sequences/:id', screen: SequenceEditScreen, title: 'Sequence' },
  { path: '/batches', screen: BatchesListScreen, title: 'Batches', key: 'batches' },
  { path: '/batches/new', screen: BatchCreateScreen, title: 'New batch', allow: canWriteContacts },
  { path: '/batches/:id', screen: BatchDetailScreen, title: 'Batch' },
  { path: '/analytics', screen: AnalyticsScreen, title: 'Analytics', key: 'analytics' },
  { path: '/experiments', screen: ExperimentsListScreen, title: 'Experiments', key: 'experiments' },
  { path: '/experiments/new', screen: ExperimentCreateScreen, title: 'New experiment', allow: canManageExperiments },
  { path: '/experiments/:id', screen: ExperimentScreen, title: 'Experiment' },
  { path: '/agents', screen: AgentsScreen, title: 'Agents', key: 'agents' },
  { path: '/agents/runs/:id', screen: AgentRunScreen, title: 'Agent run' },
  { path: '/agents/swarms', screen: SwarmsScreen, title: 'Swarms · Agents', key: 'swarms' },
  { path: '/agents/swarms/:id', screen: SwarmScreen, title: 'Swarm · Agents' },
  { path: '/audit', screen: AuditScreen, title: 'Audit log', allow: canReadAudit },
  { path: '/settings', redirect: '/settings/profile', title: 'Settings' },
  { path: '/settings/profile', screen: ProfileScreen, title: 'Profile · Settings' },
  { path: '/settings/tokens', screen: TokensScreen, title: 'API tokens · Settings' },
  { path: '/settings/icp', screen: IcpScreen, title: 'ICP model · Settings' },
  { path: '/settings/users', screen: UsersScreen, title: 'Users · Settings', allow: canManageUsers },
  { path: '/settings/identities', screen: IdentitiesScreen, title: 'Identities · Settings' },
  { path: '/settings/identities/new', screen: IdentityCreateScreen, title: 'New identity · Settings', allow: canManageIdentities },
  { path: '/settings/identities/:id', screen: IdentityDetailScreen, title: 'Identity · Settings', allow: canManageIdentities },
  { path: '/settings/suppression', screen: SuppressionScreen, title: 'Suppression · Settings' },
  { path: '/settings/pacing', screen: PacingScreen, title: 'Pacing · Settings' },
  { path: '/status', screen: StatusScreen, title: 'Status' },
];

/** Asks the server once who is signed in; a 401 is an answer (nobody), anything else an error. */
function useStartup() {
  const [state, setState] = useState({ ready: false, error: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setState({ ready: false, error: null });
    auth
      .me()
      .then(() => setState({ ready: true, error: null }))
      .catch((error) => setState(error.status === 401 ? { ready: true, error: null } : { ready: false, error }));
  }, [attempt]);
  return { ...state, retry: () => setAttempt((n) => n + 1) };
}

function App() {
  const location = useLocation();
  const user = useUser();
  const startup = useStartup();
  const match = matchRoute(ROUTES, location.path);
  const route = match && match.route;
  const firstRender = useRef(true);
  const mustSignIn = startup.ready && !user && !(route && route.public);

  useEffect(() => {
    if (mustSignIn) navigate(loginPath(), { replace: true });
    else if (startup.ready && route && route.redirect) {
      const to = typeof route.redirect === 'function' ? route.redirect(user) : route.redirect;
      navigate(to + window.location.search, { replace: true });
    }
  }, [mustSignIn, startup.ready, route, user]);

  useEffect(() => {
    document.title = `${route ? route.title : 'Not found'} · OCC`;
    // After a navigation (not the first load), start at the top and move focus to the
    // content, so keyboard and screen-reader users land on the new screen.
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    window.scrollTo(0, 0);
    const main = document.getElementById('main');
    if (main) main.focus({ preventScroll: true });
  }, [location.path]);

  if (startup.error) {
    return html`<div class="boot">
      <${ErrorState} error=${startup.error} title="Could not reach OCC" onRetry=${startup.retry} />
    </div>`;
  }
  if (!startup.ready || mustSignIn || (route && route.redirect)) {
    return html`<div class="boot"><${Loading} label="Starting OCC…" /></div>`;
  }
  if (route && route.public) {
    const Screen = route.screen;
    return html`<${Screen} location=${location} />`;
  }

  let content;
  if (!match) {
    content = html`<section class="page"><${NotFound} /></section>`;
  } else if (route.allow && !route.allow(user)) {
    content = html`<section class="page page-narrow"><${Forbidden} role=${user.role} /></section>`;
  } else {
    const Screen = route.screen;
    content = html`<${Screen} key=${(route.key || route.path) + JSON.stringify(match.params)} params=${match.params} location=${location} user=${user} />`;
  }
  return html`<${Layout} path=${location.path} user=${user}>${content}<//>`;
}

render(html`<${App} />`, document.getElementById('app'));
