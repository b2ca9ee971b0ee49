// The audits of scripts/graphql-http-audit: runs every `serverAudits` of graphql-http against
// AUDIT_URL with `Authorization: Bearer AUDIT_TOKEN`, prints one line per audit and a summary.
import { serverAudits } from 'graphql-http';

const url = process.env.AUDIT_URL;
const token = process.env.AUDIT_TOKEN;
if (!url || !token) {
  console.error('graphql-http-audit.mjs: set AUDIT_URL and AUDIT_TOKEN');
  process.exit(2);
}

/** fetch with the token added to whatever headers the audit sends. */
const fetchFn = (input, init) => {
  const headers = new Headers(init?.headers);
  headers.set('authorization', 'Bearer ' + token);
  return fetch(input, { ...init, headers });
};

const oneLine = (text) => String(text).replace(/\s+/g, ' ').trim();

let passed = 0;
let failed = 0;
let notices = 0;
for (const audit of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    result = { status: 'error', reason: `the audit threw: ${err instanceof Error ? err.message : err}` };
  }
  const label = `${result.status.padEnd(6)} ${audit.id} ${audit.name}`;
  if (result.status === 'ok') {
    passed += 1;
    console.log(label);
  } else if (result.status === 'notice') {
    passed += 1;
    notices += 1;
    console.log(`${label}: ${oneLine(result.reason)}`);
  } else {
    failed += 1;
    console.log(`${label}: ${oneLine(result.reason)}`);
  }
}
if (notices > 0) console.log(`(${notices} of the passed audits left a notice)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
