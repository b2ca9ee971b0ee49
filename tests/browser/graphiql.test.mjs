// GraphiQL in Chromium, as on a machine without internet access (issue 31): starts the debug
// binary with the demo data, opens GraphiQL with an ADMIN token and a query preset in the URL
// fragment, runs the query, reads the answer in the result pane, opens a dialog, and follows a
// second link while the page is open. Every request that is not to the server's own origin is
// blocked and counted; so is every Content-Security-Policy violation and every console error.
// Run through ./run, which sets the environment:
//
//   RIGHTSGRAPH_BIN  the binary (target/debug/rightsgraph)
//   CHROMIUM         the browser (/usr/bin/chromium)
//   RIGHTSGRAPH_BROWSER_DATABASE_URL  an empty PostgreSQL database, or unset for SQLite
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const BIN = process.env.RIGHTSGRAPH_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SECRET = 'browser-test-secret-of-more-than-32-bytes';
const QUERY = '{ brands(first: 1) { totalCount } }';
// Generous: the test shares two cores with cargo in CI.
const TIMEOUT_MS = 90_000;

const tmp = mkdtempSync(join(tmpdir(), 'rightsgraph-browser-'));
const env = { ...process.env, RIGHTSGRAPH_JWT_SECRET: SECRET, NO_COLOR: '1' };
let server;
let context;

function fail(message) {
  throw new Error(message);
}

// Starts `rightsgraph serve --demo` on a free port; resolves to its origin once it listens.
function startServer() {
  // An empty PostgreSQL database when ./run made one, else SQLite in this run's folder.
  const database = process.env.RIGHTSGRAPH_BROWSER_DATABASE_URL || `sqlite://${tmp}/x.db?mode=rwc`;
  const args = ['serve', '--demo', '--listen', '127.0.0.1:0', '--database-url', database];
  server = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  createInterface({ input: server.stderr }).on('line', (line) => stderr.push(line));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${stderr.slice(-20).join('\n')}`));
    });
  });
}

function mintAdminToken() {
  return execFileSync(BIN, ['token', '--role', 'ADMIN'], { env, encoding: 'utf8' }).trim();
}

// What the server itself answers to QUERY, to compare with what GraphiQL shows.
async function expectedTotal(origin, token) {
  const reply = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  const body = await reply.json();
  const total = body?.data?.brands?.totalCount;
  if (typeof total !== 'number') fail(`the server did not answer the query: ${JSON.stringify(body)}`);
  return total;
}

async function main() {
  if (!BIN) fail('RIGHTSGRAPH_BIN is not set (run this through tests/browser/run)');
  const origin = await startServer();
  const token = mintAdminToken();
  const total = await expectedTotal(origin, token);
  console.log(`server at ${origin}; ${QUERY} answers totalCount ${total}`);

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
    timeout: TIMEOUT_MS,
  });
  context.setDefaultTimeout(TIMEOUT_MS);

  const blocked = [];
  const seen = [];
  const graphqlRequests = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (new URL(ws.url()).origin.replace(/^ws/, 'http') === origin) return ws.connectToServer();
    blocked.push(ws.url());
    return ws.close();
  });

  // Collected in the page from its first script on: a CSP violation fires this event.
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });

  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content[- ]Security[- ]Policy/i.test(msg.text())) {
      consoleErrors.push(`${msg.type()}: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
  page.on('request', (request) => {
    seen.push(request.url());
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') {
      graphqlRequests.push({ headers: request.headers(), body: request.postData() ?? '' });
    }
  });

  const headers = JSON.stringify({ Authorization: `Bearer ${token}` });
  const fragment = `headers=${encodeURIComponent(headers)}&query=${encodeURIComponent(QUERY)}`;
  await page.goto(`${origin}/graphql#${fragment}`, { waitUntil: 'load' });

  // GraphiQL has started once its run button is there; the fragment is gone by then.
  const run = page.locator('.graphiql-execute-button');
  await run.waitFor({ state: 'visible' });
  const address = page.url();
  if (address.includes('#') || address.includes(token)) fail(`the fragment is still in the address bar: ${address}`);
  const queryText = await page.locator('.graphiql-query-editor .CodeMirror').evaluate((el) => el.CodeMirror.getValue());
  if (queryText !== QUERY) fail(`the query editor holds ${JSON.stringify(queryText)}, not the preset query`);

  await run.click();
  const result = page.locator('.result-window .CodeMirror');
  await page.waitForFunction(() => {
    const el = document.querySelector('.result-window .CodeMirror');
    return el && el.CodeMirror && el.CodeMirror.getValue().includes('totalCount');
  });
  const answer = JSON.parse(await result.evaluate((el) => el.CodeMirror.getValue()));

  // A dialog adds a <style> element to lock scrolling: the CSP admits it by the page's nonce.
  await page.locator('[aria-label="Open settings dialog"]').click();
  await page.locator('[role="dialog"]').waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await page.locator('[role="dialog"]').waitFor({ state: 'detached' });

  // A link followed while the page is open changes only the fragment: the page is not loaded
  // again, and start.js takes the new preset from the hashchange.
  await page.goto(`${origin}/graphql#headers=${encodeURIComponent('{"X-Probe": "again"}')}`);
  await page.waitForFunction(() => [...document.querySelectorAll('.CodeMirror')]
    .some((el) => el.CodeMirror.getValue().includes('"X-Probe": "again"')));
  if (page.url().includes('#')) fail(`the second fragment is still in the address bar: ${page.url()}`);

  const violations = await page.evaluate(() => window.__violations);

  const problems = [];
  if (answer?.data?.brands?.totalCount !== total) {
    problems.push(`the result pane shows ${JSON.stringify(answer)}, expected totalCount ${total}`);
  }
  const sent = graphqlRequests.find((r) => r.body.includes('brands(first: 1)'));
  if (!sent) problems.push('GraphiQL sent no POST /graphql with the query');
  else if (sent.headers.authorization !== `Bearer ${token}`) {
    problems.push(`the query went without the preset Authorization header: ${JSON.stringify(sent.headers)}`);
  }
  if (seen.some((url) => url.includes(token))) problems.push('the token appeared in a request URL');
  if (blocked.length) problems.push(`requests left the origin (blocked):\n  ${blocked.join('\n  ')}`);
  const foreign = seen.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
  if (foreign.length) problems.push(`requests to other origins:\n  ${foreign.join('\n  ')}`);
  if (violations.length) problems.push(`CSP violations:\n  ${violations.join('\n  ')}`);
  if (consoleErrors.length) problems.push(`console errors:\n  ${consoleErrors.join('\n  ')}`);

  console.log(`requests (${seen.length}):\n  ${seen.join('\n  ')}`);
  if (problems.length) fail(problems.join('\n'));
  console.log(`ok: GraphiQL ran ${QUERY} with the preset token and showed totalCount ${total};`
    + ' no request left the origin, no CSP violation, no console error');
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
  process.exitCode = 1;
} finally {
  await cleanUp();
}
