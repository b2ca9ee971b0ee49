// The console's entry: sign-in, who you are, the views your role has, and live updates.
//
// The token: pasted into the sign-in form, or brought by a link `/console#token=…` (what
// `serve --demo` prints), whose fragment never reaches the server and is cleared from the
// address bar (and so from the history) at once. It is kept in this tab's sessionStorage only:
// never a cookie, never in a URL sent to the server; it goes to /graphql in the Authorization
// header and to /graphql/ws in connection_init. Signing out forgets it.
//
// The address names the view (`#/queue`, `#/figures`) and what it shows (`#/notices/ntc_…`, a
// notice; `#/analyst/slr_…`, a network), so that reloading the page or going back and forward
// keeps the view: each step is an entry of the tab's history (pushState; the hash never reaches
// the server).
//
// Which views a role gets follows from the schema and the viewer: the review queue for a role
// the schema lets decide items, the appeals for one it lets resolve them, the offenders and
// networks for one that may read networks, the brand's views for a brand agent, the seller's for
// a seller. The API decides every request.

import { ApiError, client, readSchema, refusal } from './api.js';
import { badge, fill, field, h, when } from './dom.js';
import { noticeList } from './notices.js';
import { submitForm } from './submit.js';
import { figures } from './brand.js';
import { analyst } from './analyst.js';
import { appeals } from './appeals.js';
import { items, listings } from './seller.js';
import { subscribe } from './ws.js';

const KEY = 'rightsgraph.console.token';
const script = document.querySelector('script[data-endpoint]');
const ENDPOINT = new URL(script.dataset.endpoint, location.href).toString();
const WS_ENDPOINT = (() => {
  const url = new URL(script.dataset.subscriptionEndpoint, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
})();

const header = document.getElementById('top');
const main = document.getElementById('main');

const VIEWER = `query ConsoleViewer {
  viewer { subject role brand { id name } seller { id handle status activeStrikeCount } }
}`;

const BRANDS = 'query ConsoleBrands { brands(first: 100) { totalCount nodes { id } } }';

const EVENTS = `subscription ConsoleEvents($brand: ID!, $after: ID) {
  noticeEvents(brandId: $brand, afterEventId: $after) { id kind actorRole at notice { id } item { id } }
}`;

// The views, in the order of the navigation; `when` says whether the viewer has it.
const VIEWS = [
  { id: 'queue', label: 'Review queue', when: (ctx) => ctx.may('decideNoticeItem'), show: (ctx, el) => noticeList(ctx, el, { queue: true, title: 'Review queue' }) },
  { id: 'appeals', label: 'Appeals', when: (ctx) => ctx.may('resolveAppeal'), show: appeals },
  { id: 'notices', label: 'Notices', when: (ctx) => !ctx.viewer.seller, show: (ctx, el) => noticeList(ctx, el, { title: ctx.viewer.brand ? `Notices of ${ctx.viewer.brand.name}` : 'Notices' }) },
  { id: 'submit', label: 'New notice', when: (ctx) => ctx.viewer.brand && ctx.may('submitNotice'), show: (ctx, el) => submitForm(ctx, el, { onSubmitted: (id) => go('notices', id) }) },
  { id: 'figures', label: 'Figures', when: (ctx) => ctx.viewer.brand, show: figures },
  { id: 'analyst', label: 'Offenders and networks', when: (ctx) => ctx.schema.fieldRoles('Seller.network')?.has(ctx.viewer.role), show: analyst },
  { id: 'listings', label: 'My listings', when: (ctx) => ctx.viewer.seller, show: listings },
  { id: 'items', label: 'Notices against me', when: (ctx) => ctx.viewer.seller, show: items },
];

let session = null; // { ctx, views, current, live }

// Takes a token from the fragment (`#token=…`) into sessionStorage and clears the fragment.
function takeFragmentToken() {
  if (location.hash.length < 2) return false;
  const params = new URLSearchParams(location.hash.slice(1));
  if (!params.has('token')) return false;
  const token = params.get('token').trim();
  history.replaceState(history.state, '', location.pathname + location.search);
  if (token) sessionStorage.setItem(KEY, token);
  return Boolean(token);
}

// The view and what it shows, as the address names them: `#/notices/ntc_…`; null for none.
function routeOf(hash) {
  const m = /^#\/([a-z]+)(?:\/([^/]+))?$/.exec(hash);
  return m ? { view: m[1], arg: m[2] ? decodeURIComponent(m[2]) : null } : null;
}

// Records the view and what it shows in the address, as a new entry of the tab's history.
function remember(view, arg) {
  if (!session) return;
  session.at = { view, arg: arg ?? null };
  const hash = `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}`;
  if (location.hash !== hash) history.pushState(null, '', hash);
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  history.replaceState(null, '', location.pathname + location.search);
  if (session?.live) session.live.close();
  session = null;
  showSignIn(message ? h('p', { class: 'status', role: 'status' }, message) : null);
}

function showSignIn(notice) {
  fill(header, h('h1', null, 'rightsgraph console'));
  const token = field(
    'Token',
    h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', name: 'token' }),
    'A bearer token (JWT). `serve --demo` prints one per role, each with a console link. It stays in this tab (sessionStorage) and goes only to this server’s API.',
  );
  const form = h(
    'form',
    { class: 'sign-in', novalidate: true, 'aria-labelledby': 'sign-in-h' },
    h('h2', { id: 'sign-in-h' }, 'Sign in'),
    notice,
    token.row,
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Sign in')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = token.control.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) return;
    sessionStorage.setItem(KEY, value);
    signIn(value);
  });
  fill(main, form);
  token.control.focus();
}

async function signIn(token) {
  if (session?.live) session.live.close();
  session = null;
  fill(main, h('p', { role: 'status' }, 'Signing in…'));
  const raw = client(ENDPOINT, token);
  let viewer;
  let schema;
  try {
    [viewer, schema] = await Promise.all([raw.request(VIEWER).then((d) => d.viewer), readSchema(raw)]);
  } catch (err) {
    sessionStorage.removeItem(KEY);
    showSignIn(refusal(err, 'Not signed in'));
    return;
  }
  // Every later answer that says the token is no longer usable (it expired) signs out.
  const expired = (errors) => errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
  const api = {
    async call(query, variables) {
      const answer = await raw.call(query, variables);
      if (expired(answer.errors)) signOut('Your token is no longer accepted (it may have expired): sign in again.');
      return answer;
    },
    async request(query, variables) {
      const answer = await this.call(query, variables);
      if (answer.errors.length) throw new ApiError(answer.errors, answer.data);
      return answer.data;
    },
  };
  // `showing(arg)`: the current view now shows `arg` (a notice, a network), or its list (null).
  const ctx = { api, viewer, schema, may: (mutation) => schema.may(viewer.role, mutation), showing: (arg) => remember(session.at.view, arg) };
  const views = VIEWS.filter((v) => v.when(ctx));
  session = { ctx, views, current: null, live: null, token, at: null };
  drawHeader();
  startLive(token);
  const route = routeOf(location.hash);
  if (route && views.some((v) => v.id === route.view)) go(route.view, route.arg, { push: false });
  else go(views[0]?.id, null, { push: false });
}

function drawHeader() {
  const { ctx, views } = session;
  const v = ctx.viewer;
  const whose = v.brand ? ['for ', h('strong', { class: 'brand-name' }, v.brand.name)] : v.seller ? ['as seller ', h('strong', { class: 'seller-handle' }, v.seller.handle), ' ', badge(v.seller.status)] : null;
  fill(
    header,
    h('h1', null, 'rightsgraph console'),
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'identity' }, 'Signed in as ', h('strong', { class: 'subject' }, v.subject), ' ', h('span', { class: 'role' }, v.role), ' ', whose),
      h('span', { class: 'live', id: 'live', role: 'status' }),
      h('button', { type: 'button', class: 'secondary sign-out', onclick: () => signOut('Signed out: the token is forgotten.') }, 'Sign out'),
    ),
    h('nav', { 'aria-label': 'Views' }, h('ul', null, views.map((view) => h('li', null, h('button', { type: 'button', class: 'nav', dataset: { view: view.id }, onclick: () => go(view.id) }, view.label))))),
    h('section', { class: 'feed', 'aria-label': 'Latest events', hidden: true }, h('h2', null, 'Latest events'), h('ol', { id: 'feed' })),
  );
}

// Shows view `id`, and in it `arg` (a notice, a network) when given; with `push`, as a new entry
// of the history. Answers what the view returned (its refresh and event hooks).
function go(id, arg = null, { push = true } = {}) {
  if (!session) return null;
  const view = session.views.find((v) => v.id === id);
  if (!view) {
    fill(main, h('p', null, 'Your role has no view in this console yet; GraphiQL at /graphql answers every query.'));
    return null;
  }
  for (const button of header.querySelectorAll('button.nav')) {
    if (button.dataset.view === id) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  const pane = h('div', { class: 'view', dataset: { view: id } });
  fill(main, pane);
  session.at = { view: id, arg: null };
  if (push) remember(id, null);
  session.current = view.show(session.ctx, pane) || null;
  if (arg && session.current?.open) session.current.open(arg);
  return session.current;
}

// The brands whose events the viewer watches: a brand agent its own; a role with the review
// queue or the appeals, every brand (the API's only feed, `noticeEvents`, is one brand's), as
// many as one connection carries; others none. Answers { ids, total }.
async function watchedBrands(ctx) {
  if (ctx.viewer.brand) return { ids: [ctx.viewer.brand.id], total: 1 };
  if (!session.views.some((v) => v.id === 'queue' || v.id === 'appeals')) return { ids: [], total: 0 };
  const { data } = await ctx.api.call(BRANDS);
  return { ids: data?.brands?.nodes.map((b) => b.id) ?? [], total: data?.brands?.totalCount ?? 0 };
}

// Live updates: the watched brands' events over graphql-transport-ws, on one connection, each
// brand's resumed after the last one received from it when the connection drops.
async function startLive(token) {
  const mine = session;
  const brands = await watchedBrands(mine.ctx);
  if (!brands.ids.length || session !== mine) return;
  // The last event received from each brand, from which its feed resumes.
  const last = brands.ids.map(() => null);
  const which = brands.ids.length < brands.total ? ` (the first ${brands.ids.length} of ${brands.total} brands)` : mine.ctx.viewer.brand ? '' : ` (${brands.ids.length} brands)`;
  const mark = (text) => {
    const el = document.getElementById('live');
    if (el) el.textContent = text;
  };
  mine.live = subscribe({
    url: WS_ENDPOINT,
    token,
    operations: () => brands.ids.map((brand, i) => ({ query: EVENTS, variables: { brand, after: last[i] } })),
    onState: (state, detail) => mark({ connecting: 'Live updates: connecting…', live: `Live updates: on${which}`, reconnecting: `Live updates: reconnecting ${detail}`, closed: `Live updates: off (${detail})`, ended: 'Live updates: ended' }[state] || ''),
    onError: (errors) => mark(`Live updates: ${errors.map((e) => e.message).join('; ')}`),
    onNext: (data, index) => {
      const event = data.noticeEvents;
      if (!event) return;
      last[index] = event.id;
      const feed = document.getElementById('feed');
      if (feed) {
        feed.parentElement.hidden = false;
        feed.prepend(h('li', { dataset: { id: event.id } }, when(event.at), ' ', badge(event.kind), ` by ${event.actorRole}`, event.notice ? [' on ', h('code', null, event.notice.id)] : null));
        while (feed.children.length > 5) feed.lastChild.remove();
      }
      session?.current?.onEvent?.(event);
    },
  });
}

function start() {
  takeFragmentToken();
  const token = sessionStorage.getItem(KEY);
  if (token) signIn(token);
  else showSignIn(null);
}

// A console link followed while the page is open changes only the fragment; so do going back and
// forward, and an address typed in.
window.addEventListener('hashchange', () => {
  if (takeFragmentToken()) {
    signIn(sessionStorage.getItem(KEY));
    return;
  }
  if (!session) return;
  // Back to the entry without a hash (the first view, as signing in showed it).
  const route = routeOf(location.hash) ?? (location.hash.length < 2 ? { view: session.views[0]?.id, arg: null } : null);
  if (!route) return;
  if (route.view !== session.at?.view || route.arg !== session.at?.arg) go(route.view, route.arg, { push: false });
});

start();
