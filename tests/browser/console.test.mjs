// The console in Chromium (issue 31): starts the debug binary with the demo data, signs in as each
// role through the console link `serve --demo` prints (and once by pasting a token), and checks
// what each sees and may do against the API's own answers for the same token:
//
// - the link's token moves to sessionStorage and the fragment leaves the address bar; signing out
//   forgets it; no cookie, no localStorage, and the token never in a request's URL;
// - each role gets its own views and actions (a brand agent no decision form, a reviewer one);
// - a brand agent never has another brand's notice anywhere in the DOM;
// - a notice submitted in the form is the API's; a bad one shows the API's error next to the
//   field its `extensions.field` names;
// - a listing titled `<img src=x onerror=…>` (created by ADMIN) renders as text, and the handler
//   never runs;
// - a reviewer decides, asks for information, and sees the API's refusal (message and code);
//   the brand answers it; a seller files a counter-notice;
// - a 200-member network (seeded here through the API) draws, a click recentres it, and its
//   GraphML download holds the members and links the API returned; the time to draw is printed;
// - grown past what a network holds, the API's truncated network draws with a note saying so;
// - reviewers resolve appeals (and the maker of a decision sees the API's refusal); brands retract;
// - the review queue refreshes live; the address keeps the view over a reload, back and forward;
// - axe-core finds no serious or critical violation in any view.
//
// Every request that is not to the server's own origin is blocked and counted; so is every CSP
// violation and every console error. Screenshots of each view go to RIGHTSGRAPH_SCREENSHOTS
// (default: a new temporary folder, printed at the end), never into the repository.
// Run through ./run, which sets the environment:
//
//   RIGHTSGRAPH_BIN  the binary (target/debug/rightsgraph)
//   CHROMIUM         the browser (/usr/bin/chromium)
//   RIGHTSGRAPH_BROWSER_DATABASE_URL  an empty PostgreSQL database, or unset for SQLite
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const BIN = process.env.RIGHTSGRAPH_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SECRET = 'browser-test-secret-of-more-than-32-bytes';
// Generous: the test shares two cores with cargo in CI.
const TIMEOUT_MS = 90_000;
const TOKEN_KEY = 'rightsgraph.console.token';
const PAYLOAD = '<img src=x onerror=window.__pwned=1>';
const RING = 200;

const AXE_SOURCE = readFileSync(join(dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'rightsgraph-console-'));
const SHOTS = process.env.RIGHTSGRAPH_SCREENSHOTS || mkdtempSync(join(tmpdir(), 'rightsgraph-console-shots-'));
mkdirSync(SHOTS, { recursive: true });
const env = { ...process.env, RIGHTSGRAPH_JWT_SECRET: SECRET, NO_COLOR: '1' };
let server;
let context;
let origin;

const problems = [];
const axeReport = [];
const timings = [];

function fail(message) {
  throw new Error(message);
}

function expect(condition, message) {
  if (!condition) fail(message);
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Starts `rightsgraph serve --demo` on a free port; resolves to { origin, banner } once it listens.
function startServer() {
  // An empty PostgreSQL database when ./run made one, else SQLite in this run's folder.
  const database = process.env.RIGHTSGRAPH_BROWSER_DATABASE_URL || `sqlite://${tmp}/x.db?mode=rwc`;
  const args = ['serve', '--demo', '--listen', '127.0.0.1:0', '--database-url', database];
  server = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  const banner = [];
  createInterface({ input: server.stderr }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: m[1], banner });
      } else {
        banner.push(line);
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${stderr.slice(-20).join('\n')}`));
    });
  });
}

// The banner's tokens and console links: role → { token, link }.
function bannerLinks(banner) {
  const found = new Map();
  for (let i = 0; i + 1 < banner.length; i++) {
    const token = /^\s+([A-Z_]+)\b.*\s(eyJ\S+)$/.exec(banner[i]);
    const link = /^\s+console\s+(http:\/\/\S+)$/.exec(banner[i + 1]);
    if (token && link) found.set(token[1], { token: token[2], link: link[1] });
  }
  return found;
}

function mint(...args) {
  return execFileSync(BIN, ['token', ...args], { env, encoding: 'utf8' }).trim();
}

// The API's answer for `token`: its data, or a failure naming its errors.
async function gql(token, query, variables = {}) {
  const reply = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await reply.json();
  if (body.errors?.length) fail(`the API refused ${query.slice(0, 80)}…: ${JSON.stringify(body.errors)}`);
  return body.data;
}

// Runs `mutations` ([name, inputType, input]) as aliased mutations, `per` to a request.
async function mutateMany(token, field, inputType, inputs, selection, per = 25) {
  const out = [];
  for (let i = 0; i < inputs.length; i += per) {
    const chunk = inputs.slice(i, i + per);
    const vars = chunk.map((_, j) => `$i${j}: ${inputType}!`).join(', ');
    const fields = chunk.map((_, j) => `m${j}: ${field}(input: $i${j}) ${selection}`).join('\n');
    const data = await gql(token, `mutation(${vars}) {\n${fields}\n}`, Object.fromEntries(chunk.map((input, j) => [`i${j}`, input])));
    chunk.forEach((_, j) => out.push(data[`m${j}`]));
  }
  return out;
}

// A seller network of RING members, all within 4 hops of its root: a tree with five children
// a node (each link its own identifier, of a kind that varies), and a ring through the third hop.
async function seedRing(admin) {
  const sellers = await mutateMany(
    admin,
    'registerSeller',
    'RegisterSellerInput',
    Array.from({ length: RING }, (_, k) => ({ handle: `ring-${String(k).padStart(3, '0')}`, displayName: `Ring seller ${k}`, country: 'HK' })),
    '{ id handle }',
  );
  const kinds = [
    ['PHONE', (k) => `+852 5550 ${String(k).padStart(4, '0')}`],
    ['EMAIL', (k) => `ring${k}@mail.example`],
    ['PAYMENT_ACCOUNT', (k) => `IBAN-RING-${k}`],
    ['DEVICE', (k) => `device-ring-${k}`],
    ['IMAGE_HASH', (k) => `imagehash-ring-${k}`],
  ];
  const identifiers = [];
  for (let k = 1; k < RING; k++) {
    const parent = Math.floor((k - 1) / 5);
    const [kind, value] = kinds[k % kinds.length];
    for (const s of [parent, k]) identifiers.push({ sellerId: sellers[s].id, kind, value: value(k) });
  }
  for (let k = 31; k < 155 && k + 1 < RING; k++) {
    for (const s of [k, k + 1]) identifiers.push({ sellerId: sellers[s].id, kind: 'BUSINESS_REGISTRATION', value: `REG-RING-${k}` });
  }
  await mutateMany(admin, 'addSellerIdentifier', 'AddSellerIdentifierInput', identifiers, '{ id }');
  return sellers;
}

// Grows the ring of seedRing by GROWN sellers one hop beyond its third ring (each linked by a
// device to a member 3 hops from the root), so that more sellers lie within 4 hops of its root
// than a network holds.
const GROWN = 320;
async function growRing(admin, ring) {
  const more = await mutateMany(
    admin,
    'registerSeller',
    'RegisterSellerInput',
    Array.from({ length: GROWN }, (_, k) => ({ handle: `ring-x${String(k).padStart(3, '0')}`, displayName: `Ring seller x${k}`, country: 'HK' })),
    '{ id }',
  );
  // Members 40 to 155 are 3 hops from the root (the tree has five children a node).
  const identifiers = more.flatMap((s, k) => [ring[40 + (k % 116)], s].map((t) => ({ sellerId: t.id, kind: 'DEVICE', value: `device-ring-x${k}` })));
  await mutateMany(admin, 'addSellerIdentifier', 'AddSellerIdentifierInput', identifiers, '{ id }');
}

const NETWORK = `query($id: ID!, $hops: Int!) { seller(id: $id) { network(maxHops: $hops) {
  truncated root { id } members { hops seller { id handle status activeStrikeCount } } links { a { id } b { id } kind } } } }`;

// ---------------------------------------------------------------------------------------------
// In the browser

// A new tab, with its problems collected into `problems`.
async function newTab(name) {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content[- ]Security[- ]Policy|Trusted Type/i.test(msg.text())) problems.push(`${name}: console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`${name}: uncaught: ${err.message}`));
  return page;
}

// Runs axe on the page as it is; serious and critical violations are problems.
async function axe(page, view) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const found = result.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}×)`);
  axeReport.push(`${view}: ${found.length ? found.join(', ') : 'none'}`);
  for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
    problems.push(`axe on ${view}: ${v.id} (${v.impact}): ${v.help}; ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function navLabels(page) {
  return page.locator('nav button.nav').allTextContents();
}

async function openView(page, label) {
  await page.locator('nav button.nav', { hasText: label }).click();
  await page.locator(`nav button.nav[aria-current="page"]`, { hasText: label }).waitFor();
}

// Waits for a list to be drawn (its table's caption, or its empty text).
async function listDrawn(page) {
  await page.locator('.view caption, .view .empty').first().waitFor();
}

async function noticeIdsShown(page) {
  return page.locator('.view code.notice-id').allTextContents();
}

// Signs in with the console link; checks the fragment is gone and the token is in sessionStorage.
async function signInByLink(page, { token, link }, name) {
  await page.goto(link, { waitUntil: 'load' });
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const address = page.url();
  expect(!address.includes('#') && !address.includes(token), `${name}: the fragment is still in the address bar: ${address}`);
  const kept = await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY);
  expect(kept === token, `${name}: sessionStorage does not hold the link's token`);
}

async function viewerOf(token) {
  return (await gql(token, '{ viewer { subject role brand { id name } seller { id handle } } }')).viewer;
}

async function checkIdentity(page, token, name) {
  const viewer = await viewerOf(token);
  const who = await page.locator('header .identity').textContent();
  expect(who.includes(viewer.subject) && who.includes(viewer.role), `${name}: the header says ${JSON.stringify(who)}, the API ${JSON.stringify(viewer)}`);
  if (viewer.brand) expect(who.includes(viewer.brand.name), `${name}: the brand ${viewer.brand.name} is not in ${JSON.stringify(who)}`);
  if (viewer.seller) expect(who.includes(viewer.seller.handle), `${name}: the seller ${viewer.seller.handle} is not in ${JSON.stringify(who)}`);
  return viewer;
}

// Everything of another brand that must never be in the brand agent's DOM.
function assertNoneOf(html, foreign, where) {
  for (const n of foreign) {
    if (html.includes(n.id)) problems.push(`brand agent, ${where}: another brand's notice ${n.id} is in the DOM`);
    if (n.explanation && html.includes(n.explanation)) problems.push(`brand agent, ${where}: another brand's explanation of ${n.id} is in the DOM`);
  }
}

// Clicks `button` in `scope` and waits for the API's input error beside the text field: its code
// must be BAD_USER_INPUT.
async function inputErrorAfter(scope, button, what) {
  await scope.getByRole('button', { name: button }).click();
  const error = scope.locator('textarea ~ .field-error');
  await error.waitFor({ state: 'visible' });
  const text = await error.textContent();
  expect(text.includes('BAD_USER_INPUT'), `${what}: the error reads ${JSON.stringify(text)}`);
}

// Submits the notice form and waits for the API's error beside the field named `name`.
async function submitExpectingError(page, name) {
  await page.getByRole('button', { name: 'Submit the notice' }).click();
  const error = page.locator(`[name="${name}"] ~ .field-error`);
  await error.waitFor({ state: 'visible' });
  return { error, text: await error.textContent() };
}

// Shows the network of `id` within 4 hops and waits for its drawing of `members`; the time to
// draw it, and from the click, goes into the timings as `what`.
async function showNetwork(page, id, members, what) {
  await page.getByLabel('Seller id').fill(id);
  await page.getByLabel('Hops').selectOption('4');
  const clicked = performance.now();
  await page.getByRole('button', { name: 'Show the network' }).click();
  await page.locator(`svg.network[data-members="${members}"]`).waitFor();
  const wall = performance.now() - clicked;
  const drawMs = Number(await page.locator('svg.network').getAttribute('data-draw-ms'));
  timings.push(`${what} (4 hops): drawn in ${drawMs.toFixed(1)} ms (layout and SVG), ${wall.toFixed(0)} ms from the click with the API request`);
}

async function domHtml(page) {
  return page.evaluate(() => document.documentElement.outerHTML);
}

async function main() {
  if (!BIN) fail('RIGHTSGRAPH_BIN is not set (run this through tests/browser/run)');
  const started = await startServer();
  origin = started.origin;
  const links = bannerLinks(started.banner);
  expect(sameList([...links.keys()], ['ADMIN', 'REVIEWER', 'ANALYST', 'BRAND_AGENT', 'SELLER']), `the banner's console links: ${[...links.keys()]}\n${started.banner.join('\n')}`);
  for (const [role, { token, link }] of links) {
    expect(link === `${origin}/console#token=${token}`, `${role}: the console link ${link} is not ${origin}/console#token=<its token>`);
  }
  console.log(`server at ${origin}; screenshots in ${SHOTS}`);

  // Arrange through the API, as ADMIN: the XSS listing, and a 200-member network.
  const admin = mint('--role', 'ADMIN');
  const agent = await viewerOf(links.get('BRAND_AGENT').token);
  const seller = await viewerOf(links.get('SELLER').token);
  const xss = (await gql(admin, 'mutation($i: CreateListingInput!) { createListing(input: $i) { id title } }', {
    i: { sellerId: seller.seller.id, title: PAYLOAD, url: 'https://marketplace.example/item/console-xss', price: { amount: '9.99', currency: 'EUR' } },
  })).createListing;
  expect(xss.title === PAYLOAD, `the API stored the title as ${JSON.stringify(xss.title)}`);
  // A second listing of the demo's seller, which the brand agent names by its address.
  const byAddress = (await gql(admin, 'mutation($i: CreateListingInput!) { createListing(input: $i) { id url } }', {
    i: { sellerId: seller.seller.id, title: 'A watch named by its address', url: 'https://marketplace.example/item/console-by-address', price: { amount: '15.00', currency: 'EUR' } },
  })).createListing;
  const seedStart = Date.now();
  const ring = await seedRing(admin);
  console.log(`seeded a network of ${ring.length} sellers in ${Date.now() - seedStart} ms`);

  // Another brand (Northwind, STANDARD: its notices wait for a reviewer) with a pending notice
  // of two items, on two fresh listings.
  const brands = (await gql(admin, '{ brands(first: 100) { nodes { id name trustTier trademarks { nodes { id status } } } } }')).brands.nodes;
  const other = brands.find((b) => b.id !== agent.brand.id && b.trustTier === 'STANDARD' && b.trademarks.nodes.some((t) => t.status === 'VERIFIED'));
  expect(other, 'the demo has no STANDARD brand with a verified trademark');
  const otherAgent = mint('--role', 'BRAND_AGENT', '--brand', other.id);
  const [liveListing, ...fresh] = await mutateMany(admin, 'createListing', 'CreateListingInput', [3, 1, 2].map((n) => ({
    sellerId: ring[n].id, title: `Console test listing ${n}`, url: `https://marketplace.example/item/console-test-${n}`, price: { amount: '20.00', currency: 'EUR' },
  })), '{ id }');
  const pendingNotice = (await gql(otherAgent, 'mutation($i: SubmitNoticeInput!) { submitNotice(input: $i) { id items { nodes { id status } } } }', {
    i: {
      brandId: other.id, reason: 'COUNTERFEIT', explanation: 'Counterfeits of our mark, seen by the console test.', goodFaithDeclaration: true,
      items: fresh.map((l) => ({ listingId: l.id, trademarkId: other.trademarks.nodes.find((t) => t.status === 'VERIFIED').id })),
    },
  })).submitNotice;

  // What the brand agent must never see: every notice of another brand, as ADMIN reads them,
  // and as another brand's own agent reads its own.
  // (An explanation that one of the agent's own notices also has is no sign of a leak: the
  // demo's brands all write the same sentence.)
  const everything = (await gql(admin, '{ notices(first: 100) { nodes { id explanation brand { id } } } }')).notices.nodes;
  const own = new Set(everything.filter((n) => n.brand.id === agent.brand.id).map((n) => n.explanation));
  const foreign = everything.filter((n) => n.brand.id !== agent.brand.id).map((n) => ({ id: n.id, explanation: own.has(n.explanation) ? null : n.explanation }));
  const othersOwn = (await gql(otherAgent, '{ notices(first: 100) { nodes { id } } }')).notices.nodes.map((n) => n.id);
  expect(othersOwn.length > 0 && othersOwn.every((id) => foreign.some((n) => n.id === id)), 'the other brand agent reads notices that are not another brand\'s');
  expect((await gql(links.get('BRAND_AGENT').token, 'query($b: ID!) { brand(id: $b) { notices { totalCount } } }', { b: other.id })).brand.notices.totalCount === 0, 'the API shows the brand agent another brand\'s notices');

  context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
    timeout: TIMEOUT_MS,
  });
  context.setDefaultTimeout(TIMEOUT_MS);

  const blocked = [];
  const seen = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('blob:') || url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    seen.push(ws.url());
    if (new URL(ws.url()).origin.replace(/^ws/, 'http') === origin) return ws.connectToServer();
    blocked.push(ws.url());
    return ws.close();
  });
  context.on('request', (request) => seen.push(request.url()));
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const violations = async (page, name) => {
    for (const v of await page.evaluate(() => window.__violations || [])) problems.push(`${name}: CSP violation: ${v}`);
  };

  // ---- Sign-in page, then every role's views.
  {
    const page = await newTab('sign-in');
    await page.goto(`${origin}/console`);
    await page.getByLabel('Token').waitFor();
    // What the page costs to load: the HTML and every file it names (none is compressed).
    const transfer = await page.evaluate(() => {
      const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .filter((e) => new URL(e.name).pathname.startsWith('/console'));
      return { files: entries.length, bytes: entries.reduce((sum, e) => sum + e.transferSize, 0), body: entries.reduce((sum, e) => sum + e.encodedBodySize, 0) };
    });
    timings.push(`the page: ${transfer.files} responses, ${(transfer.bytes / 1024).toFixed(1)} KiB transferred (${(transfer.body / 1024).toFixed(1)} KiB of bodies)`);
    await axe(page, 'sign-in');
    await shot(page, '01-sign-in');
    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.refusal').waitFor();
    const text = await page.locator('.refusal').textContent();
    expect(text.includes('UNAUTHENTICATED'), `a bad token shows ${JSON.stringify(text)}, not the API's UNAUTHENTICATED`);
    expect((await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)) === null, 'a refused token stays in sessionStorage');
    await violations(page, 'sign-in');
    await page.close();
  }

  const expectedNav = {
    ADMIN: ['Review queue', 'Appeals', 'Notices', 'Offenders and networks'],
    REVIEWER: ['Review queue', 'Appeals', 'Notices', 'Offenders and networks'],
    ANALYST: ['Notices', 'Offenders and networks'],
    BRAND_AGENT: ['Notices', 'New notice', 'Figures'],
    SELLER: ['My listings', 'Notices against me'],
  };
  for (const [role, link] of links) {
    const page = await newTab(role);
    await signInByLink(page, link, role);
    await checkIdentity(page, link.token, role);
    const nav = await navLabels(page);
    expect(sameList(nav, expectedNav[role]), `${role} is offered ${JSON.stringify(nav)}, not ${JSON.stringify(expectedNav[role])}`);
    await violations(page, role);
    await page.close();
  }

  // ---- The brand agent.
  let submittedId;
  {
    const name = 'BRAND_AGENT';
    const { token } = links.get(name);
    const page = await newTab(name);
    await signInByLink(page, links.get(name), name);
    await listDrawn(page);
    const api = (await gql(token, '{ notices(first: 20) { nodes { id } } }')).notices.nodes.map((n) => n.id);
    const shown = await noticeIdsShown(page);
    expect(sameList(shown, api), `the brand agent's list shows ${shown}, the API ${api}`);
    assertNoneOf(await domHtml(page), foreign, 'the list');
    await axe(page, 'brand agent: notices');
    await shot(page, '10-brand-notices');

    // Filtered by status.
    await page.getByLabel('Status').selectOption('CLOSED');
    await page.waitForFunction(() => document.querySelector('.view caption, .view .empty') && ![...document.querySelectorAll('.view tbody .badge')].some((b) => /^(OPEN|WITHDRAWN)$/.test(b.textContent)));
    const closed = (await gql(token, '{ notices(first: 20, filter: {status: CLOSED}) { nodes { id } } }')).notices.nodes.map((n) => n.id);
    await page.waitForFunction((n) => document.querySelectorAll('.view code.notice-id').length === n, closed.length);
    expect(sameList(await noticeIdsShown(page), closed), 'the CLOSED filter shows other notices than the API');

    // Filtered by the days of submission (UTC): a range that ends before it starts is the API's
    // refusal, shown beside the field it names; a range shows the API's notices within it.
    await page.getByLabel('Submitted from').fill('2026-12-01');
    await page.getByLabel('Submitted before').fill('2026-11-01');
    await page.waitForFunction(() => document.querySelector('input[type=date][aria-invalid=true]'));
    const dateError = await page.locator('input[type=date][aria-invalid=true] ~ .field-error').textContent();
    expect(/submittedBefore/.test(dateError), `the empty range's error names its field: ${dateError}`);
    const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Submitted from').fill(day(-30));
    await page.getByLabel('Submitted before').fill(day(1));
    const ranged = (await gql(token, 'query($f: NoticeFilter) { notices(first: 20, filter: $f) { nodes { id } } }', {
      f: { status: 'CLOSED', submittedAfter: `${day(-30)}T00:00:00Z`, submittedBefore: `${day(1)}T00:00:00Z` },
    })).notices.nodes.map((n) => n.id);
    await page.waitForFunction(() => !document.querySelector('input[type=date][aria-invalid=true]'));
    await page.waitForFunction((n) => document.querySelectorAll('.view code.notice-id').length === n, ranged.length);
    expect(sameList(await noticeIdsShown(page), ranged), 'the date range shows other notices than the API');
    await axe(page, 'brand agent: notices by date');
    await page.getByLabel('Submitted from').fill('');
    await page.getByLabel('Submitted before').fill('');
    await page.waitForFunction((n) => document.querySelectorAll('.view code.notice-id').length === n, closed.length);

    // Each notice, opened: its timeline and thread as the API has them, nothing of another brand.
    for (const id of closed) {
      await page.locator(`button.open[data-id="${id}"]`).click();
      await page.locator(`article.notice[data-id="${id}"]`).waitFor();
      const events = (await gql(token, 'query($id: ID!) { notice(id: $id) { events(first: 100) { nodes { id } } } }', { id })).notice.events.nodes.map((e) => e.id);
      const drawn = await page.locator('.timeline ol > li').evaluateAll((els) => els.map((e) => e.dataset.id));
      expect(sameList(drawn, events), `notice ${id}: the timeline shows ${drawn}, the API ${events}`);
      expect((await page.locator('form.action', { hasText: 'Decide' }).count()) === 0, 'a brand agent is offered a decision');
      assertNoneOf(await domHtml(page), foreign, `notice ${id}`);
      if (id === closed[0]) {
        await axe(page, 'brand agent: a notice');
        await shot(page, '11-brand-notice');
      }
      await page.getByRole('button', { name: '← Back to the list' }).click();
      await listDrawn(page);
    }

    // Submitting: a bad explanation, then a bad listing on line 2, then a good notice.
    await openView(page, 'New notice');
    const trademark = page.getByLabel('Trademark');
    await page.waitForFunction(() => [...document.querySelectorAll('select[name="trademark"] option')].some((o) => o.textContent.includes('VERIFIED')));
    const verified = await trademark.locator('option', { hasText: 'VERIFIED' }).first().getAttribute('value');
    await page.getByLabel('Listings by id').fill(xss.id);
    await trademark.selectOption(verified);
    await page.getByLabel('Reason').selectOption('COUNTERFEIT');
    await page.getByLabel('Explanation').fill('short');
    await page.getByLabel(/good faith/).check();
    await page.getByRole('button', { name: 'Submit the notice' }).click();
    const explanationError = page.locator('textarea[name="explanation"] ~ .field-error');
    await explanationError.waitFor({ state: 'visible' });
    expect((await explanationError.textContent()).includes('BAD_USER_INPUT'), 'the explanation error does not carry its code');
    expect((await page.getByLabel('Explanation').getAttribute('aria-invalid')) === 'true', 'the explanation is not marked invalid');
    await axe(page, 'brand agent: a notice with a field error');
    await shot(page, '12-brand-submit-error-explanation');

    await page.getByLabel('Explanation').fill('The listing sells counterfeits of our watches; the console test says so.');
    await page.getByLabel('Listings by id').fill(`${xss.id}\nnot-an-id`);
    const { error: listingError, text: listingText } = await submitExpectingError(page, 'listings');
    expect(listingText.startsWith('Line 2:') && listingText.includes('items.1.listingId'), `the listing error reads ${JSON.stringify(listingText)}`);
    expect(await explanationError.isHidden(), 'the explanation error stays after it was fixed');
    const describedBy = await page.getByLabel('Listings by id').getAttribute('aria-describedby');
    const errorId = await listingError.getAttribute('id');
    expect(describedBy.split(' ').includes(errorId), 'the listing error is not the field\'s description');
    await shot(page, '13-brand-submit-error-listing');
    expect((await gql(token, '{ notices { totalCount } }')).notices.totalCount === api.length, 'a refused notice was written');

    // A listing by an address no listing holds: the error beside the addresses, on its line.
    await page.getByLabel('Listings by id').fill(xss.id);
    await page.getByLabel('Listings by address').fill(`${byAddress.url}\nhttps://marketplace.example/item/no-such-listing`);
    const { text: addressText } = await submitExpectingError(page, 'addresses');
    expect(addressText.startsWith('Line 2:') && addressText.includes('BAD_USER_INPUT'), `the address error reads ${JSON.stringify(addressText)}`);
    expect(await listingError.isHidden(), 'the listing error stays after it was fixed');
    await axe(page, 'brand agent: a notice with an address error');
    await shot(page, '13-brand-submit-error-address');

    // A screenshot without its SHA-256: the API's error beside that piece of evidence.
    await page.getByLabel('Listings by address').fill(byAddress.url.replace('https://marketplace.example', 'HTTPS://Marketplace.Example'));
    await page.getByLabel('Evidence 1: kind').selectOption('SCREENSHOT');
    await page.getByLabel('Evidence 1: URL').fill('https://evidence.example/console-test.png');
    await page.getByRole('button', { name: 'Submit the notice' }).click();
    const evidenceError = page.locator('fieldset.evidence .field-error:visible');
    await evidenceError.waitFor();
    const evidenceText = await evidenceError.textContent();
    expect(evidenceText.includes('BAD_USER_INPUT') && evidenceText.includes('evidence'), `the evidence error reads ${JSON.stringify(evidenceText)}`);
    expect((await page.locator('fieldset.evidence [aria-invalid="true"]').count()) === 1, 'not one field of the evidence is marked invalid');
    expect((await page.getByLabel('Evidence 1: SHA-256').getAttribute('aria-invalid')) === 'true', 'the missing SHA-256 is not the field marked invalid');
    await shot(page, '13-brand-submit-error-evidence');
    expect((await gql(token, '{ notices { totalCount } }')).notices.totalCount === api.length, 'a refused notice was written');

    // The good notice: one listing by id, one by address (spelled otherwise), with a test buy.
    await page.getByLabel('Evidence 1: kind').selectOption('TEST_BUY');
    await page.getByLabel('Evidence 1: URL').fill('');
    await page.getByLabel('Evidence 1: order number').fill('TB-2026-0042');
    await page.getByRole('button', { name: 'Submit the notice' }).click();
    await page.locator('.form-status .ok').waitFor();
    submittedId = await page.locator('.form-status .ok code').textContent();
    const stored = (await gql(token, 'query($id: ID!) { notice(id: $id) { id items { nodes { listing { id } evidence { kind orderNumber } } } } }', { id: submittedId })).notice;
    const storedListings = stored ? stored.items.nodes.map((i) => i.listing.id).sort() : [];
    expect(sameList(storedListings, [xss.id, byAddress.id].sort()), `the API's notice ${submittedId} names ${storedListings}`);
    expect(stored.items.nodes.every((i) => i.evidence.length === 1 && i.evidence[0].kind === 'TEST_BUY' && i.evidence[0].orderNumber === 'TB-2026-0042'), `the evidence stored is ${JSON.stringify(stored.items.nodes)}`);
    // Live: the subscription brings the new notice's events.
    await page.locator(`#feed code`, { hasText: submittedId }).first().waitFor();
    await shot(page, '14-brand-submitted');

    // The new notice, opened: its listing's title is text, never markup.
    await page.getByRole('button', { name: 'Open it' }).click();
    await page.locator(`article.notice[data-id="${submittedId}"]`).waitFor();
    const asText = await page.evaluate((payload) => [...document.querySelectorAll('.title')].some((el) => el.textContent === payload), PAYLOAD);
    expect(asText, 'the listing title is not shown as text');
    expect((await page.locator('img').count()) === 0, 'the listing title made an <img>');
    expect((await page.evaluate(() => window.__pwned)) === undefined, 'the listing title ran a script');
    assertNoneOf(await domHtml(page), foreign, 'the new notice');
    await shot(page, '15-brand-new-notice');

    await openView(page, 'Figures');
    await page.locator('.view table').first().waitFor();
    const figures = (await gql(token, 'query($b: ID!) { brand(id: $b) { submissionStatus stats { noticesSubmitted } } }', { b: agent.brand.id })).brand;
    const row = await page.locator('.view tr', { hasText: 'Notices submitted' }).locator('td').nth(1).textContent();
    expect(row === String(figures.stats.noticesSubmitted), `Figures shows ${row} notices submitted, the API ${figures.stats.noticesSubmitted}`);
    const standing = await page.locator('.view dl.facts dd').first().textContent();
    expect(standing.trim() === figures.submissionStatus, `Figures shows the standing ${standing}, the API ${figures.submissionStatus}`);

    // Month by month: each bar and each row of the table is the API's count since the month's
    // first day less the count since the next month's (the console asks them in one request).
    await page.locator('svg.chart rect').first().waitFor({ state: 'attached' });
    const now = new Date();
    const starts = Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11 + i, 1)).toISOString());
    const series = ['noticesSubmitted', 'itemsRemoved', 'itemsRejected'];
    const since = [];
    for (const start of starts) {
      since.push((await gql(token, `query($b: ID!, $s: DateTime) { brand(id: $b) { stats(since: $s) { ${series.join(' ')} } } }`, { b: agent.brand.id, s: start })).brand.stats);
    }
    const expected = starts.map((start, i) => series.map((key) => since[i][key] - (i + 1 < starts.length ? since[i + 1][key] : 0)));
    const bars = await page.locator('svg.chart g.month').evaluateAll((groups) => groups.map((g) => ({ month: g.dataset.month, values: [...g.querySelectorAll('rect')].map((r) => Number(r.dataset.value)) })));
    expect(sameList(bars.map((b) => b.month), starts), `the chart's months are ${bars.map((b) => b.month)}`);
    expect(bars.every((b, i) => sameList(b.values, expected[i])), `the chart draws ${JSON.stringify(bars.map((b) => b.values))}, the API's months are ${JSON.stringify(expected)}`);
    expect(expected[11][0] >= 1, 'the notice submitted this month is not in this month\'s figures');
    await page.getByText('The same figures as a table').click();
    const cells = await page.locator('details.chart-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => Number(td.textContent))));
    expect(cells.length === 12 && cells.every((row, i) => sameList(row, expected[i])), `the table reads ${JSON.stringify(cells)}`);
    expect((await page.locator('svg.chart').getAttribute('role')) === 'img' && (await page.locator('svg.chart').getAttribute('aria-labelledby')), 'the chart has no accessible name');
    assertNoneOf(await domHtml(page), foreign, 'the figures');
    await axe(page, 'brand agent: figures');
    await shot(page, '16-brand-figures');
    // The address keeps the view over a reload; back and forward step through the views.
    expect(page.url().endsWith('#/figures'), `the address of the figures is ${page.url()}`);
    await page.reload();
    await page.locator('nav button.nav[aria-current="page"]', { hasText: 'Figures' }).waitFor();
    await page.locator('svg.chart').waitFor();
    await page.goBack();
    await page.locator(`article.notice[data-id="${submittedId}"]`).waitFor();
    await page.locator('nav button.nav[aria-current="page"]', { hasText: 'Notices' }).waitFor();
    await page.goForward();
    await page.locator('nav button.nav[aria-current="page"]', { hasText: 'Figures' }).waitFor();
    await violations(page, name);

    // Sign out forgets the token, also across a reload.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token').waitFor();
    expect((await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY)) === null, 'the token stays in sessionStorage after signing out');
    await page.reload();
    await page.getByLabel('Token').waitFor();
    expect((await page.getByRole('button', { name: 'Sign out' }).count()) === 0, 'a reload after signing out signs in again');
    await page.close();
  }

  // ---- The reviewer.
  {
    const name = 'REVIEWER';
    const { token } = links.get(name);
    const page = await newTab(name);
    await signInByLink(page, links.get(name), name);
    await listDrawn(page);
    const queue = (await gql(token, '{ notices(first: 20, filter: {status: OPEN}) { nodes { id } } }')).notices.nodes.map((n) => n.id);
    const shown = await noticeIdsShown(page);
    expect(sameList(shown, queue), `the queue shows ${shown}, the API's order is ${queue}`);
    await axe(page, 'reviewer: queue');
    await shot(page, '20-reviewer-queue');

    // Live: a notice another brand submits now arrives in the queue without a reload.
    await page.locator('#live', { hasText: 'Live updates: on' }).waitFor();
    const open = (await gql(token, '{ notices(filter: {status: OPEN}) { totalCount } }')).notices.totalCount;
    const liveNotice = (await gql(otherAgent, 'mutation($i: SubmitNoticeInput!) { submitNotice(input: $i) { id } }', {
      i: {
        brandId: other.id, reason: 'COUNTERFEIT', explanation: 'Counterfeits again, seen live by the console test.', goodFaithDeclaration: true,
        items: [{ listingId: liveListing.id, trademarkId: other.trademarks.nodes.find((t) => t.status === 'VERIFIED').id }],
      },
    })).submitNotice;
    await page.locator('.view caption', { hasText: `of ${open + 1}` }).waitFor();
    await page.locator('#feed code', { hasText: liveNotice.id }).first().waitFor();

    // The other brand's pending notice: ask about its first item, remove its second.
    await page.locator(`button.open[data-id="${pendingNotice.id}"]`).click();
    await page.locator(`article.notice[data-id="${pendingNotice.id}"]`).waitFor();
    await axe(page, 'reviewer: a notice');
    await shot(page, '21-reviewer-notice');
    // The address names the notice: a reload shows it again.
    expect(page.url().endsWith(`#/queue/${pendingNotice.id}`), `the address of an open notice is ${page.url()}`);
    await page.reload();
    await page.locator(`article.notice[data-id="${pendingNotice.id}"]`).waitFor();
    await page.locator('nav button.nav[aria-current="page"]', { hasText: 'Review queue' }).waitFor();
    const [first, second] = pendingNotice.items.nodes.map((i) => i.id);
    const item = (id) => page.locator(`article.item[data-id="${id}"]`);
    await item(first).getByLabel('Question', { exact: true }).fill('Please send the test buy that shows these are counterfeit.');
    await item(first).getByRole('button', { name: 'Ask' }).click();
    await page.locator('.status', { hasText: 'Question sent' }).waitFor();
    // A rejection without a reason: the API's error, next to the reason.
    await item(second).getByLabel('Decision', { exact: true }).selectOption('REJECT');
    await item(second).getByRole('button', { name: 'Decide' }).click();
    const decideForm = item(second).locator('form.action').filter({ has: page.getByRole('heading', { name: 'Decide', exact: true }) });
    const reasonError = decideForm.locator('textarea ~ .field-error');
    await reasonError.waitFor({ state: 'visible' });
    expect((await reasonError.textContent()).includes('BAD_USER_INPUT'), `the reason error reads ${await reasonError.textContent()}`);
    await shot(page, '22-reviewer-reason-error');
    // Someone else decides first while the reviewer writes a reason: the live update waits behind
    // a button rather than empty the form, and deciding shows the API's refusal, message and code.
    await item(second).getByLabel('Decision', { exact: true }).selectOption('REMOVE');
    await item(second).getByLabel('Reason', { exact: true }).fill('The box shows the mark.');
    await gql(admin, 'mutation($i: DecideNoticeItemInput!) { decideNoticeItem(input: $i) { id } }', { i: { itemId: second, decision: 'REMOVE' } });
    await page.getByRole('button', { name: 'Show the changes' }).waitFor();
    await item(second).getByRole('button', { name: 'Decide' }).click();
    const refused = item(second).locator('.refusal');
    await refused.waitFor();
    const refusalText = await refused.textContent();
    expect(refusalText.includes('CONFLICT'), `the refusal reads ${JSON.stringify(refusalText)}`);
    await axe(page, 'reviewer: a refusal');
    await shot(page, '23-reviewer-refusal');
    // Back: the queue, as signing in showed it.
    await page.goBack();
    await listDrawn(page);
    expect(sameList(await noticeIdsShown(page), (await gql(token, '{ notices(first: 20, filter: {status: OPEN}) { nodes { id } } }')).notices.nodes.map((n) => n.id)), 'back from a notice does not show the queue');
    const states = (await gql(token, 'query($id: ID!) { notice(id: $id) { items { nodes { id status } } } }', { id: pendingNotice.id })).notice.items.nodes;
    expect(states[0].status === 'INFO_REQUESTED' && states[1].status === 'REMOVED', `the items are ${JSON.stringify(states)}`);
    await violations(page, name);
    await page.close();
  }

  // ---- Appeals: the maker of the decision under appeal is refused by the API (the console
  // cannot know who made a decision: the schema does not say), another reviewer resolves it.
  {
    const name = 'REVIEWER, appeals';
    const reviewer = links.get('REVIEWER').token;
    const APPEALS = '{ appeals(status: PENDING) { nodes { id status item { id status listing { id status } } } } }';
    const pending = (await gql(reviewer, APPEALS)).appeals.nodes;
    expect(pending.length > 0, 'the demo has no pending appeal');
    const target = pending[0];
    const maker = mint('--role', 'REVIEWER', '--sub', 'demo-reviewer');
    const page = await newTab(name);
    await page.goto(`${origin}/console`);
    await page.getByLabel('Token').fill(maker);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await openView(page, 'Appeals');
    await page.locator('.view article.appeal, .view .empty').first().waitFor();
    const shown = await page.locator('.view article.appeal').evaluateAll((els) => els.map((e) => e.dataset.id));
    expect(sameList(shown, pending.map((a) => a.id)), `the appeals shown are ${shown}, the API's pending ${pending.map((a) => a.id)}`);
    const card = () => page.locator(`article.appeal[data-id="${target.id}"]`);
    await card().getByLabel('Outcome').selectOption('REVERSED');
    await card().getByLabel('Reason').fill('The photos do not show the mark.');
    await card().getByRole('button', { name: 'Resolve' }).click();
    await card().locator('.refusal').waitFor();
    const refusalText = await card().locator('.refusal').textContent();
    expect(refusalText.includes('FORBIDDEN') && refusalText.includes('decision'), `the decision's maker sees ${JSON.stringify(refusalText)}`);
    expect((await gql(reviewer, APPEALS)).appeals.nodes.some((a) => a.id === target.id), 'a refused resolution changed the appeal');
    await axe(page, 'reviewer: appeals, a refusal');
    await shot(page, '24-appeals-refused');
    await violations(page, name);
    await page.close();

    // Another reviewer: a missing reason is the API's error beside the reason, then it reverses.
    const other = await newTab(`${name} (another)`);
    await signInByLink(other, links.get('REVIEWER'), name);
    await openView(other, 'Appeals');
    const theirs = other.locator(`article.appeal[data-id="${target.id}"]`);
    await theirs.getByLabel('Outcome').selectOption('REVERSED');
    await inputErrorAfter(theirs, 'Resolve', 'an appeal without a reason');
    await theirs.getByLabel('Reason').fill('The seller showed an invoice from an authorised dealer.');
    await theirs.getByRole('button', { name: 'Resolve' }).click();
    await other.locator('.view .status', { hasText: 'Appeal resolved: REVERSED' }).waitFor();
    const resolved = (await gql(reviewer, 'query($id: ID!) { node(id: $id) { ... on Appeal { status item { status listing { status } } } } }', { id: target.id })).node;
    expect(resolved.status === 'REVERSED' && resolved.item.listing.status === 'REINSTATED', `after the reversal the appeal is ${JSON.stringify(resolved)}`);
    expect((await other.locator(`article.appeal[data-id="${target.id}"]`).count()) === 0, 'a resolved appeal stays in the pending list');
    await axe(other, 'reviewer: appeals');
    await shot(other, '25-appeals-resolved');
    await violations(other, name);
    await other.close();
  }

  // ---- The other brand's agent, signed in by pasting its token: answers the question.
  {
    const name = 'other BRAND_AGENT';
    const page = await newTab(name);
    await page.goto(`${origin}/console`);
    await page.getByLabel('Token').fill(otherAgent);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await listDrawn(page);
    await page.locator(`button.open[data-id="${pendingNotice.id}"]`).click();
    const first = page.locator(`article.item[data-id="${pendingNotice.items.nodes[0].id}"]`);
    await first.getByLabel('Answer', { exact: true }).fill('Test buy 4711 arrived: a counterfeit, see the lab report.');
    await first.getByLabel('Evidence 1: kind').selectOption('TEST_BUY');
    // A test buy without its order number: the API's error beside that piece.
    await first.getByRole('button', { name: 'Send the answer' }).click();
    const pieceError = first.locator('fieldset.evidence .field-error:visible');
    await pieceError.waitFor();
    expect((await pieceError.textContent()).includes('BAD_USER_INPUT'), `the evidence error reads ${await pieceError.textContent()}`);
    await first.getByLabel('Evidence 1: order number').fill('4711');
    await axe(page, 'brand agent: answering a question');
    await first.getByRole('button', { name: 'Send the answer' }).click();
    await page.locator('.status', { hasText: 'Answer sent' }).waitFor();
    await page.getByLabel('Message', { exact: true }).fill('Thank you for looking into it.');
    await page.getByRole('button', { name: 'Post' }).click();
    await page.locator('.status', { hasText: 'Message posted' }).waitFor();
    const thread = (await gql(otherAgent, 'query($id: ID!) { notice(id: $id) { messages { nodes { id kind } } items { nodes { status } } } }', { id: pendingNotice.id })).notice;
    const drawn = await page.locator('.messages > li').evaluateAll((els) => els.map((e) => e.dataset.id));
    expect(sameList(drawn, thread.messages.nodes.map((m) => m.id)), `the thread shows ${drawn}, the API ${JSON.stringify(thread.messages.nodes)}`);
    expect(sameList(thread.messages.nodes.map((m) => m.kind), ['QUESTION', 'ANSWER', 'MESSAGE']), `the thread is ${JSON.stringify(thread.messages.nodes)}`);
    expect(thread.items.nodes[0].status === 'PENDING', 'the answered item is not PENDING again');

    // Its removed item (the admin decided it): retracted, after the API's error for no reason.
    const retracted = pendingNotice.items.nodes[1].id;
    const removedCard = page.locator(`article.item[data-id="${retracted}"]`);
    await inputErrorAfter(removedCard, 'Retract', 'a retraction without a reason');
    await removedCard.getByLabel('Why the removal was wrong').fill('The seller showed us the goods are ours, bought from a distributor.');
    await removedCard.getByRole('button', { name: 'Retract' }).click();
    await page.locator('.status', { hasText: 'Removal retracted' }).waitFor();
    const afterRetraction = (await gql(otherAgent, 'query($id: ID!) { node(id: $id) { ... on NoticeItem { status listing { status } strike { active } } } }', { id: retracted })).node;
    expect(afterRetraction.status === 'REINSTATED' && afterRetraction.listing.status === 'REINSTATED' && !afterRetraction.strike.active, `after the retraction the item is ${JSON.stringify(afterRetraction)}`);
    await axe(page, 'brand agent: a retraction');
    await shot(page, '30-brand-answered');
    await violations(page, name);
    await page.close();
  }

  // ---- The analyst: offenders, and the network.
  {
    const name = 'ANALYST';
    const { token } = links.get(name);
    const page = await newTab(name);
    await signInByLink(page, links.get(name), name);
    expect((await page.locator('form.action').count()) === 0, 'an analyst is offered an action on the notice list');
    await openView(page, 'Offenders and networks');
    await page.locator('section[aria-labelledby="offenders-h"] caption, section[aria-labelledby="offenders-h"] .empty').first().waitFor();
    const offenders = (await gql(token, '{ repeatOffenders { nodes { handle } } }')).repeatOffenders.nodes.map((s) => s.handle);
    const listed = await page.locator('section[aria-labelledby="offenders-h"] .handle').allTextContents();
    expect(sameList(listed, offenders), `the offenders shown are ${listed}, the API's ${offenders}`);
    await axe(page, 'analyst: offenders');
    await shot(page, '40-analyst-offenders');

    // The seeded network, 4 hops from its root.
    const root = ring[0];
    await showNetwork(page, root.id, RING, `a ${RING}-member network`);
    const api = (await gql(token, NETWORK, { id: root.id, hops: 4 })).seller.network;
    expect(api.members.length === RING && !api.truncated, `the API's network has ${api.members.length} members`);
    const drawnIds = await page.locator('svg.network g.member').evaluateAll((els) => els.map((e) => e.dataset.id));
    expect(sameList([...drawnIds].sort(), api.members.map((m) => m.seller.id).sort()), 'the drawn members are not the API\'s');
    const drawnLinks = Number(await page.locator('svg.network').getAttribute('data-links'));
    expect(drawnLinks === api.links.length, `the drawing has ${drawnLinks} links, the API ${api.links.length}`);
    expect((await page.locator('.truncated').count()) === 0, 'a network that is not truncated says it is');
    await axe(page, `analyst: a ${RING}-member network`);
    await shot(page, '41-analyst-network-200');
    await page.locator('figure.graph').screenshot({ path: join(SHOTS, '41-analyst-network-200-drawing.png') });

    // GraphML: well-formed, with the members and links the API returned.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download GraphML' }).click()]);
    const xml = readFileSync(await download.path(), 'utf8');
    const parser = await context.newPage();
    const parsed = await parser.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      if (doc.getElementsByTagName('parsererror').length) return { error: doc.getElementsByTagName('parsererror')[0].textContent };
      const ns = 'http://graphml.graphdrawing.org/xmlns';
      const data = (el, key) => [...el.getElementsByTagNameNS(ns, 'data')].find((d) => d.getAttribute('key') === key)?.textContent;
      return {
        root: doc.documentElement.localName,
        nodes: [...doc.getElementsByTagNameNS(ns, 'node')].map((n) => ({ id: n.getAttribute('id'), handle: data(n, 'handle'), status: data(n, 'status'), strikes: data(n, 'strikes') })),
        edges: [...doc.getElementsByTagNameNS(ns, 'edge')].map((e) => `${e.getAttribute('source')} ${e.getAttribute('target')} ${data(e, 'kind')}`),
      };
    }, xml);
    await parser.close();
    expect(!parsed.error, `the GraphML does not parse: ${parsed.error}`);
    expect(parsed.root === 'graphml', `the GraphML's root is ${parsed.root}`);
    const apiNodes = api.members.map((m) => `${m.seller.id} ${m.seller.handle} ${m.seller.status} ${m.seller.activeStrikeCount}`).sort();
    const fileNodes = parsed.nodes.map((n) => `${n.id} ${n.handle} ${n.status} ${n.strikes}`).sort();
    expect(sameList(fileNodes, apiNodes), 'the GraphML nodes are not the API\'s members');
    expect(sameList([...parsed.edges].sort(), api.links.map((l) => `${l.a.id} ${l.b.id} ${l.kind}`).sort()), 'the GraphML edges are not the API\'s links');
    const [nodesCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download nodes (CSV)' }).click()]);
    const [edgesCsv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download edges (CSV)' }).click()]);
    const lines = (file) => readFileSync(file, 'utf8').trim().split('\r\n');
    expect(lines(await nodesCsv.path()).length === RING + 1, 'the nodes CSV does not have a row per member');
    expect(lines(await edgesCsv.path()).length === api.links.length + 1, 'the edges CSV does not have a row per link');

    // A click on a member recentres on it.
    const target = api.members.find((m) => m.hops === 1).seller;
    await page.locator(`svg.network g.member[data-id="${target.id}"]`).click();
    await page.locator(`svg.network g.member.root[data-id="${target.id}"]`).waitFor();
    const recentred = (await gql(token, NETWORK, { id: target.id, hops: 4 })).seller.network;
    await page.locator(`svg.network[data-members="${recentred.members.length}"]`).waitFor();
    expect((await page.getByLabel('Seller id').inputValue()) === target.id, 'the seller field does not name the new centre');
    // The address names the centre: a reload draws the same network.
    expect(page.url().endsWith(`#/analyst/${target.id}`), `the address of a network is ${page.url()}`);
    await page.reload();
    await page.locator(`svg.network g.member.root[data-id="${target.id}"]`).waitFor();
    // Fewer hops: the API's smaller network.
    await page.getByLabel('Hops').selectOption('1');
    await page.getByRole('button', { name: 'Show the network' }).click();
    const oneHop = (await gql(token, NETWORK, { id: target.id, hops: 1 })).seller.network;
    await page.locator(`svg.network[data-members="${oneHop.members.length}"]`).waitFor();
    await axe(page, 'analyst: a small network with labels');
    await shot(page, '42-analyst-network-1-hop');
    await page.locator('figure.graph').screenshot({ path: join(SHOTS, '42-analyst-network-1-hop-drawing.png') });

    // Over the API's limit: the ring grown to more members within 4 hops than a network holds.
    // The API answers the first ones and says `truncated`; the console draws them and says so.
    const grown = Date.now();
    await growRing(admin, ring);
    console.log(`grew the network by ${GROWN} sellers in ${Date.now() - grown} ms`);
    const big = (await gql(token, NETWORK, { id: root.id, hops: 4 })).seller.network;
    expect(big.truncated, `the API does not truncate a network of ${RING + GROWN} sellers (${big.members.length} members)`);
    await showNetwork(page, root.id, big.members.length, `a truncated ${big.members.length}-member network`);
    const note = page.locator('.truncated');
    await note.waitFor();
    const noteText = await note.textContent();
    expect(noteText.includes('Truncated') && noteText.includes(String(big.members.length)), `the truncation note reads ${JSON.stringify(noteText)}`);
    const label = await page.locator('svg.network').getAttribute('aria-label');
    expect(label.includes('truncated') && (await page.locator('svg.network').getAttribute('data-truncated')) === 'true', `the drawing's name ${JSON.stringify(label)} does not say it is truncated`);
    const bigIds = await page.locator('svg.network g.member').evaluateAll((els) => els.map((e) => e.dataset.id));
    expect(sameList([...bigIds].sort(), big.members.map((m) => m.seller.id).sort()), 'the truncated drawing is not the API\'s members');
    await axe(page, `analyst: a truncated ${big.members.length}-member network`);
    await shot(page, '43-analyst-network-truncated');
    await violations(page, name);
    await page.close();
  }

  // ---- The seller: its listings (the XSS title as text), its items, a counter-notice.
  {
    const name = 'SELLER';
    const { token } = links.get(name);
    const page = await newTab(name);
    await signInByLink(page, links.get(name), name);
    await page.locator(`.title[data-id="${xss.id}"]`).waitFor();
    expect((await page.locator(`.title[data-id="${xss.id}"]`).textContent()) === PAYLOAD, 'the seller\'s listing title is not its text');
    expect((await page.locator('img').count()) === 0, 'the listing title made an <img>');
    expect((await page.evaluate(() => window.__pwned)) === undefined, 'the listing title ran a script');
    await axe(page, 'seller: listings');
    await shot(page, '50-seller-listings');

    await openView(page, 'Notices against me');
    await page.locator('.view article.item').first().waitFor();
    const removed = (await gql(admin, 'query($id: ID!) { notice(id: $id) { items { nodes { id status listing { id } } } } }', { id: submittedId })).notice.items.nodes.find((i) => i.listing.id === xss.id);
    expect(removed.status === 'REMOVED', `the expedited item is ${removed.status}`);
    const card = page.locator(`article.item[data-id="${removed.id}"]`);
    await card.locator('details.statement').waitFor();
    expect((await card.locator('form.action').count()) > 0, 'the seller is offered nothing on its removed item');
    expect((await page.locator('form.action', { hasText: 'Decide' }).count()) === 0, 'a seller is offered a decision');
    await axe(page, 'seller: notices against it');
    await shot(page, '51-seller-items');
    await card.getByLabel('Why the removal is wrong').fill('too short');
    await card.getByRole('button', { name: 'File the counter-notice' }).click();
    const statementError = card.locator('.field-error').first();
    await statementError.waitFor({ state: 'visible' });
    expect((await statementError.textContent()).includes('BAD_USER_INPUT'), `the statement error reads ${await statementError.textContent()}`);
    await card.getByLabel('Why the removal is wrong').fill('This is a genuine watch bought from an authorised dealer; the invoice is attached.');
    await card.getByRole('button', { name: 'File the counter-notice' }).click();
    await page.locator('.status', { hasText: 'Counter-notice filed' }).waitFor();
    const after = (await gql(token, 'query($id: ID!) { node(id: $id) { ... on NoticeItem { status counterNotice { status } } } }', { id: removed.id })).node;
    expect(after.status === 'COUNTERED' && after.counterNotice.status === 'PENDING', `after the counter-notice the item is ${JSON.stringify(after)}`);
    await shot(page, '52-seller-countered');
    await violations(page, name);
    await page.close();
  }

  // Nothing of the token anywhere it could leak: no cookie, no localStorage, no URL.
  expect((await context.cookies()).length === 0, `the console set cookies: ${JSON.stringify(await context.cookies())}`);
  const tokens = [...[...links.values()].map((l) => l.token), otherAgent];
  const leaked = seen.filter((url) => tokens.some((t) => url.includes(t)));
  if (leaked.length) problems.push(`a token appeared in a request URL:\n  ${leaked.join('\n  ')}`);
  if (blocked.length) problems.push(`requests left the origin (blocked):\n  ${blocked.join('\n  ')}`);

  console.log(`axe-core ${JSON.parse(readFileSync(createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8')).version} violations by view:\n  ${axeReport.join('\n  ')}`);
  console.log(timings.join('\n'));
  console.log(`screenshots: ${SHOTS}`);
  if (problems.length) fail(problems.join('\n'));
  console.log(`ok: the console signed in every role by its link, showed each only its own, submitted, decided, asked, answered, countered, drew and exported a ${RING}-member network, drew a truncated one; no request left the origin, no CSP violation, no console error, no serious or critical axe violation`);
}

async function cleanUp() {
  await context?.close().catch(() => {});
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(tmp, { recursive: true, force: true });
}

try {
  await main();
} catch (err) {
  console.error(`FAILED: ${err.message}`);
  // The pages as they were when it failed, beside the other screenshots.
  for (const [i, page] of (context?.pages() ?? []).entries()) {
    await page.screenshot({ path: join(SHOTS, `failed-${i}.png`), fullPage: true }).catch(() => {});
  }
  if (problems.length) console.error(`also:\n${problems.join('\n')}`);
  process.exitCode = 1;
} finally {
  await cleanUp();
}
