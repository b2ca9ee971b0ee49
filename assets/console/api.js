// The console's only way to the registry: GraphQL over HTTP at the page's endpoint, with the
// user's token. No rule of the registry is repeated here; the API answers every request, and
// what a role may do is read from the schema's own descriptions (`readSchema`).

import { fill, h } from './dom.js';

// Rows a page of a list asks for.
const PAGE = 20;

// A GraphQL answer with errors: each error keeps its message, `extensions.code` and, for a bad
// input, `extensions.field` (the input path, e.g. `items.0.listingId`).
export class ApiError extends Error {
  constructor(errors, data) {
    super(errors.map((e) => e.message).join('; '));
    this.errors = errors;
    this.data = data ?? null;
  }

  get code() {
    return this.errors[0]?.extensions?.code ?? null;
  }

  get field() {
    return this.errors[0]?.extensions?.field ?? null;
  }
}

// A client of `endpoint` for `token` (null: anonymous, which may only introspect).
export function client(endpoint, token) {
  // Answers { data, errors } as the API gave them: a partial answer keeps its data.
  async function call(query, variables) {
    let reply;
    try {
      reply = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ query, variables: variables || {} }),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (err) {
      return { data: null, errors: [{ message: `the server cannot be reached (${err.message})`, extensions: { code: 'NETWORK' } }] };
    }
    let body;
    try {
      body = await reply.json();
    } catch {
      return { data: null, errors: [{ message: `the server answered HTTP ${reply.status} without GraphQL`, extensions: { code: `HTTP_${reply.status}` } }] };
    }
    return { data: body.data ?? null, errors: body.errors ?? [] };
  }

  // The data, or an ApiError for any error.
  async function request(query, variables) {
    const { data, errors } = await call(query, variables);
    if (errors.length) throw new ApiError(errors, data);
    return data;
  }

  return { call, request };
}

// An error as the API gave it: "message (CODE)", and the field it names.
export function describe(error) {
  const errors = error instanceof ApiError ? error.errors : [{ message: String(error?.message ?? error) }];
  return errors
    .map((e) => {
      const code = e.extensions?.code ? ` (${e.extensions.code})` : '';
      const field = e.extensions?.field ? ` [${e.extensions.field}]` : '';
      return `${e.message}${code}${field}`;
    })
    .join('; ');
}

// A box that shows an error of the API (role=alert, so a screen reader says it at once).
export function refusal(error, prefix = 'The API refused') {
  const box = h('div', { class: 'refusal', role: 'alert' });
  const errors = error instanceof ApiError ? error.errors : [{ message: String(error?.message ?? error) }];
  box.append(h('strong', null, `${prefix}: `));
  errors.forEach((e, i) => {
    if (i > 0) box.append('; ');
    box.append(e.message);
    if (e.extensions?.code) box.append(' ', h('code', { class: 'code' }, e.extensions.code));
  });
  return box;
}

// The parts of the schema the console reads instead of repeating them: for each mutation the
// roles its description names (the schema documents who may call each one, e.g. "Submits a
// takedown notice (ADMIN, BRAND_AGENT of the brand)"), the same for the fields whose
// description restricts them, the values of the enums it offers in forms, and arguments'
// defaults.
const SCHEMA_QUERY = `query ConsoleSchema {
  roles: __type(name: "Role") { enumValues { name } }
  mutations: __type(name: "Mutation") { fields { name description } }
  query: __type(name: "Query") { fields { name description args { name defaultValue } } }
  seller: __type(name: "Seller") { fields { name description args { name defaultValue } } }
  noticeStatus: __type(name: "NoticeStatus") { enumValues { name description } }
  noticeReason: __type(name: "NoticeReason") { enumValues { name description } }
  itemDecision: __type(name: "ItemDecision") { enumValues { name description } }
  evidenceKind: __type(name: "EvidenceKind") { enumValues { name description } }
  counterNoticeDecision: __type(name: "CounterNoticeDecision") { enumValues { name description } }
  appealStatus: __type(name: "AppealStatus") { enumValues { name description } }
  appealOutcome: __type(name: "AppealOutcome") { enumValues { name description } }
}`;

// The roles a description names, as whole words.
function rolesIn(description, roles) {
  const words = new Set(String(description || '').match(/[A-Z][A-Z_]+/g) || []);
  return new Set(roles.filter((role) => words.has(role)));
}

export async function readSchema(api) {
  const data = await api.request(SCHEMA_QUERY);
  const roles = data.roles.enumValues.map((v) => v.name);
  const mutations = new Map(data.mutations.fields.map((f) => [f.name, rolesIn(f.description, roles)]));
  const fields = new Map();
  const defaults = new Map();
  for (const [type, entry] of [['Query', data.query], ['Seller', data.seller]]) {
    for (const f of entry.fields) {
      fields.set(`${type}.${f.name}`, f.description || '');
      for (const arg of f.args || []) defaults.set(`${type}.${f.name}.${arg.name}`, arg.defaultValue);
    }
  }
  return {
    roles,
    // Whether `role` may call `mutation`, as the schema documents it.
    may(role, mutation) {
      return mutations.get(mutation)?.has(role) ?? false;
    },
    // The roles a field's description restricts it to ("ADMIN, REVIEWER, ANALYST only"); null
    // when it names none.
    fieldRoles(path) {
      const named = rolesIn(fields.get(path), roles);
      return named.size ? named : null;
    },
    // An argument's default as the schema declares it (a GraphQL literal), or null.
    defaultOf(path) {
      const value = defaults.get(path);
      if (value === undefined || value === null) return null;
      try {
        return JSON.parse(value);
      } catch {
        return value; // an enum value: its name
      }
    },
    enums: {
      NoticeStatus: data.noticeStatus.enumValues,
      NoticeReason: data.noticeReason.enumValues,
      ItemDecision: data.itemDecision.enumValues,
      EvidenceKind: data.evidenceKind.enumValues,
      CounterNoticeDecision: data.counterNoticeDecision.enumValues,
      AppealStatus: data.appealStatus.enumValues,
      AppealOutcome: data.appealOutcome.enumValues,
    },
  };
}

// A paged list in `container`: `query` answers `pick(data)` as a connection, paged forward with
// `first`/`after` as the API pages; `draw(page, offset, load)` draws a page. `variables` is an
// object, or a function asked again on each load (a filter). Returns { refresh(message), reset() }:
// `reset` goes back to the first page (after a filter changed). An action's message stays over a
// refresh without one (a live update), until another page is shown.
export function paged(ctx, container, { query, variables, pick, draw, what }) {
  const results = h('div', { 'aria-live': 'polite' });
  const cursors = [];
  let after = null;
  let note = null;
  async function load(message) {
    if (message !== undefined) note = message;
    const vars = typeof variables === 'function' ? variables() : variables;
    const { data, errors } = await ctx.api.call(query, { ...vars, first: PAGE, after });
    const page = data && pick(data);
    if (!page) {
      fill(results, refusal(new ApiError(errors), `The ${what} cannot be shown`));
      return;
    }
    fill(
      results,
      note ? h('p', { class: 'status', role: 'status' }, note) : null,
      draw(page, cursors.length * PAGE, load),
      h(
        'div',
        { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 0, onclick: () => { after = cursors.pop() ?? null; load(null); } }, 'Previous page'),
        h('button', { type: 'button', class: 'secondary', disabled: !page.pageInfo.hasNextPage, onclick: () => { cursors.push(after); after = page.pageInfo.endCursor; load(null); } }, 'Next page'),
      ),
    );
  }
  container.append(results);
  load();
  return {
    refresh: load,
    reset() {
      cursors.length = 0;
      after = null;
      return load(null);
    },
  };
}
