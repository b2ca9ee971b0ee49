// One notice as its reader sees it: its items (listing, seller, trademark, status, deadlines),
// its timeline (events) and its thread (messages), with the actions the viewer's role may take
// on it. What is shown is what the API answered for this token; a part it refused (a seller
// asking for the thread) shows the refusal instead.

import { ApiError, refusal } from './api.js';
import { badge, facts, fill, field, h, setFieldError, when } from './dom.js';

const EVIDENCE = 'kind url sha256 orderNumber note';

const NOTICE_QUERY = `query ConsoleNotice($id: ID!) {
  notice(id: $id) {
    id reason explanation status expedited submittedAt closedAt
    brand { id name }
    items(first: 100) {
      totalCount
      nodes {
        id status decidedAt decisionReason infoDueAt
        listing { id title url status seller { id handle displayName status activeStrikeCount } }
        trademark { id mark jurisdiction registrationNumber }
        evidence { ${EVIDENCE} }
        counterNotice { id status statement filedAt resolvedAt }
        appeals { id party status statement filedAt resolvedAt resolutionReason }
      }
    }
    events(first: 100) { totalCount nodes { id kind actorRole at note item { id } } }
    messages(first: 100) {
      totalCount
      nodes { id kind authorRole authorSubject body at dueAt answeredAt item { id } evidence { ${EVIDENCE} } }
    }
  }
}`;

// A form that runs `run(values)` against the API and shows its refusal next to it; an error
// naming an input field (`extensions.field`) is shown next to that field when the form has it.
// `fields` is a list of { name, label, control, hint }; `evidence` (optional) the rows of
// evidenceRows sent as the input's `evidence`, whose errors go beside their piece; `level` is
// the heading of its title, one below the section it is in. Returns the <form>.
export function actionForm({ title, fields, submitLabel, run, onDone, className, evidence, level = 'h4' }) {
  const made = fields.map((f) => ({ name: f.name, ...field(f.label, f.control, f.hint) }));
  const status = h('div', { class: 'form-status' });
  const button = h('button', { type: 'submit' }, submitLabel);
  const form = h(
    'form',
    { class: ['action', className], novalidate: true },
    h(level, null, title),
    made.map((f) => f.row),
    evidence ? evidence.element : null,
    h('div', { class: 'buttons' }, button),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    [...made, ...(evidence ? evidence.fields() : [])].forEach((f) => setFieldError(f, null));
    fill(status);
    button.disabled = true;
    try {
      const result = await run(Object.fromEntries(made.map((f) => [f.name, f.control])));
      if (onDone) await onDone(result);
    } catch (err) {
      const path = err instanceof ApiError ? err.field : null;
      const named = !path ? null : evidence && fieldMatches('evidence', path) ? evidence.fieldAt(path.slice('evidence.'.length)) : made.find((f) => fieldMatches(f.name, path));
      if (named) {
        setFieldError(named, `${err.errors[0].message} (${err.code})`);
        named.control.focus();
      } else {
        status.append(refusal(err));
      }
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Whether an input path of the API (`reason`, `evidence.0.url`) belongs to the form field `name`.
function fieldMatches(name, path) {
  return path === name || path.startsWith(`${name}.`);
}

// Pieces of evidence, as rows of kind, URL, SHA-256, order number and note; rows without a kind
// are left out. Returns { element, values(), fieldAt(path) }: `fieldAt('1.url')` is the field of
// the second piece `values()` sent (the API numbers the pieces it was sent), to show its error.
export function evidenceRows(kinds, name = 'Evidence') {
  const list = h('div', { class: 'evidence-rows' });
  const rows = [];
  let sent = [];
  function addRow() {
    const n = rows.length + 1;
    const kind = h('select', null, h('option', { value: '' }, '(none)'), kinds.map((k) => h('option', { value: k.name, title: k.description }, k.name)));
    const parts = {
      kind: field(`${name} ${n}: kind`, kind),
      url: field(`${name} ${n}: URL`, h('input', { type: 'url', autocomplete: 'off' })),
      sha256: field(`${name} ${n}: SHA-256`, h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' })),
      orderNumber: field(`${name} ${n}: order number`, h('input', { type: 'text', autocomplete: 'off' })),
      note: field(`${name} ${n}: note`, h('input', { type: 'text' })),
    };
    rows.push(parts);
    list.append(h('fieldset', { class: 'evidence' }, h('legend', null, `${name} ${n}`), Object.values(parts).map((p) => p.row)));
  }
  addRow();
  const more = h('button', { type: 'button', class: 'secondary', onclick: addRow }, 'Add a piece of evidence');
  return {
    element: h('div', null, list, more),
    values() {
      sent = rows.filter((r) => r.kind.control.value);
      return sent.map((r) => {
        const piece = { kind: r.kind.control.value };
        for (const key of ['url', 'sha256', 'orderNumber']) if (r[key].control.value.trim()) piece[key] = r[key].control.value.trim();
        if (r.note.control.value.trim()) piece.note = r.note.control.value;
        return piece;
      });
    },
    fieldAt(path) {
      const [index, leaf] = String(path).split('.');
      const row = sent[Number(index)];
      return row ? row[leaf] ?? row.kind : null;
    },
    // Every field of every row, to clear their errors.
    fields: () => rows.flatMap((r) => Object.values(r)),
  };
}

function evidenceList(pieces) {
  if (!pieces || !pieces.length) return null;
  return h(
    'ul',
    { class: 'evidence-list' },
    pieces.map((p) => h('li', null, badge(p.kind), ' ', [p.url, p.orderNumber && `order ${p.orderNumber}`, p.sha256 && `sha256 ${p.sha256}`, p.note].filter(Boolean).join(' · '))),
  );
}

// The actions on one item that the viewer's role may take in the item's state.
function itemActions(ctx, notice, item, refresh) {
  const forms = [];
  const done = (what) => () => refresh(what);
  if (item.status === 'PENDING' && ctx.may('decideNoticeItem')) {
    const choices = h(
      'select',
      null,
      h('option', { value: '' }, 'Choose…'),
      ctx.schema.enums.ItemDecision.map((d) => h('option', { value: d.name, title: d.description }, `${d.name}: ${d.description}`)),
    );
    const reason = h('textarea', { rows: 2 });
    forms.push(
      actionForm({
        title: 'Decide',
        fields: [
          { name: 'decision', label: 'Decision', control: choices },
          { name: 'reason', label: 'Reason', control: reason, hint: 'Required to reject, optional to remove.' },
        ],
        submitLabel: 'Decide',
        run: () => {
          const input = { itemId: item.id, decision: choices.value || null };
          if (reason.value.trim()) input.reason = reason.value;
          return ctx.api.request('mutation ConsoleDecide($input: DecideNoticeItemInput!) { decideNoticeItem(input: $input) { id status } }', { input });
        },
        onDone: (r) => refresh(`Item decided: ${r.decideNoticeItem.status}.`),
      }),
    );
  }
  if (item.status === 'PENDING' && ctx.may('requestInformation')) {
    const question = h('textarea', { rows: 2 });
    forms.push(
      actionForm({
        title: 'Ask the brand for information',
        fields: [{ name: 'question', label: 'Question', control: question }],
        submitLabel: 'Ask',
        run: () =>
          ctx.api.request('mutation ConsoleAsk($input: RequestInformationInput!) { requestInformation(input: $input) { id status infoDueAt } }', {
            input: { itemId: item.id, question: question.value },
          }),
        onDone: done('Question sent to the brand.'),
      }),
    );
  }
  if (item.status === 'INFO_REQUESTED' && ctx.may('provideInformation')) {
    const answer = h('textarea', { rows: 3 });
    const evidence = evidenceRows(ctx.schema.enums.EvidenceKind);
    forms.push(actionForm({
      title: 'Answer the reviewer',
      fields: [{ name: 'answer', label: 'Answer', control: answer }],
      evidence,
      submitLabel: 'Send the answer',
      run: () =>
        ctx.api.request('mutation ConsoleAnswer($input: ProvideInformationInput!) { provideInformation(input: $input) { id status } }', {
          input: { itemId: item.id, answer: answer.value, evidence: evidence.values() },
        }),
      onDone: done('Answer sent.'),
    }));
  }
  if (item.counterNotice?.status === 'PENDING' && ctx.may('resolveCounterNotice')) {
    const decision = h('select', null, ctx.schema.enums.CounterNoticeDecision.map((d) => h('option', { value: d.name, title: d.description }, d.name)));
    const reason = h('textarea', { rows: 2 });
    forms.push(
      actionForm({
        title: 'Resolve the counter-notice',
        fields: [
          { name: 'decision', label: 'Decision', control: decision },
          { name: 'reason', label: 'Reason', control: reason },
        ],
        submitLabel: 'Resolve',
        run: () => {
          const input = { counterNoticeId: item.counterNotice.id, decision: decision.value };
          if (reason.value.trim()) input.reason = reason.value;
          return ctx.api.request('mutation ConsoleResolve($input: ResolveCounterNoticeInput!) { resolveCounterNotice(input: $input) { id status } }', { input });
        },
        onDone: done('Counter-notice resolved.'),
      }),
    );
  }
  if ((item.status === 'REMOVED' || item.status === 'COUNTERED') && ctx.may('retractNoticeItem')) {
    const reason = h('textarea', { rows: 2 });
    forms.push(
      actionForm({
        title: 'Retract the removal',
        fields: [{ name: 'reason', label: 'Why the removal was wrong', control: reason, hint: 'The listing is reinstated and the seller’s strike voided.' }],
        submitLabel: 'Retract',
        run: () =>
          ctx.api.request('mutation ConsoleRetract($input: RetractNoticeItemInput!) { retractNoticeItem(input: $input) { id status } }', {
            input: { itemId: item.id, reason: reason.value },
          }),
        onDone: (r) => refresh(`Removal retracted: ${r.retractNoticeItem.status}.`),
      }),
    );
  }
  if (item.status === 'REJECTED' && ctx.viewer.brand && ctx.may('fileAppeal')) {
    const statement = h('textarea', { rows: 3 });
    forms.push(
      actionForm({
        title: 'Appeal the rejection',
        fields: [{ name: 'statement', label: 'Statement', control: statement }],
        submitLabel: 'File the appeal',
        run: () =>
          ctx.api.request('mutation ConsoleAppeal($input: FileAppealInput!) { fileAppeal(input: $input) { id status } }', {
            input: { itemId: item.id, statement: statement.value },
          }),
        onDone: done('Appeal filed.'),
      }),
    );
  }
  return forms;
}

function itemCard(ctx, notice, item, index, refresh) {
  const listing = item.listing;
  const seller = listing.seller;
  const cn = item.counterNotice;
  return h(
    'article',
    { class: 'item', dataset: { id: item.id } },
    h('h3', null, `Item ${index + 1}: `, h('span', { class: 'title' }, listing.title)),
    facts([
      ['Item', [badge(item.status), ' ', h('code', null, item.id)]],
      ['Listing', [badge(listing.status), ' ', h('span', { class: 'url' }, listing.url)]],
      ['Seller', [seller.handle, ' (', seller.displayName, ') ', badge(seller.status), ` ${seller.activeStrikeCount} active strike(s)`]],
      ['Trademark', `${item.trademark.mark} · ${item.trademark.jurisdiction} ${item.trademark.registrationNumber}`],
      ['Decided', item.decidedAt ? [when(item.decidedAt), item.decisionReason ? [' — ', item.decisionReason] : null] : 'not yet'],
      item.infoDueAt ? ['Answer due', when(item.infoDueAt)] : null,
      cn ? ['Counter-notice', [badge(cn.status), ' filed ', when(cn.filedAt), ': ', cn.statement]] : null,
      item.appeals.length ? ['Appeals', item.appeals.map((a) => h('div', null, badge(a.status), ` by ${a.party}, filed `, when(a.filedAt), ': ', a.statement))] : null,
      item.evidence.length ? ['Evidence', evidenceList(item.evidence)] : null,
    ].filter(Boolean)),
    itemActions(ctx, notice, item, refresh),
  );
}

function timeline(notice, titles) {
  const events = notice.events;
  return h(
    'section',
    { class: 'timeline', 'aria-labelledby': 'timeline-h' },
    h('h3', { id: 'timeline-h' }, `Timeline (${events.totalCount} events)`),
    events.nodes.length
      ? h(
          'ol',
          null,
          events.nodes.map((e) =>
            h('li', { dataset: { id: e.id } }, when(e.at), ' ', badge(e.kind), ` by ${e.actorRole}`, e.item ? [' on ', h('span', { class: 'title' }, titles.get(e.item.id) || 'an item')] : null, e.note ? [': ', e.note] : null),
          ),
        )
      : h('p', { class: 'muted' }, 'No events.'),
    events.totalCount > events.nodes.length ? h('p', { class: 'muted' }, `The first ${events.nodes.length} are shown.`) : null,
  );
}

function thread(ctx, notice, errors, titles, refresh) {
  const section = h('section', { class: 'thread', 'aria-labelledby': 'thread-h' }, h('h3', { id: 'thread-h' }, 'Thread'));
  const refused = errors.find((e) => e.path && e.path[1] === 'messages');
  if (!notice.messages) {
    section.append(refused ? refusal(new ApiError([refused]), 'The thread is not shown') : h('p', { class: 'muted' }, 'No thread.'));
    return section;
  }
  const messages = notice.messages.nodes;
  section.append(
    messages.length
      ? h(
          'ol',
          { class: 'messages' },
          messages.map((m) =>
            h(
              'li',
              { class: ['message', `m-${m.kind.toLowerCase()}`], dataset: { id: m.id } },
              h('p', { class: 'meta' }, badge(m.kind), ` ${m.authorRole} `, h('span', { class: 'subject' }, m.authorSubject), ' · ', when(m.at), m.item ? [' · on ', h('span', { class: 'title' }, titles.get(m.item.id) || 'an item')] : null, m.dueAt ? [' · due ', when(m.dueAt)] : null, m.answeredAt ? [' · answered ', when(m.answeredAt)] : null),
              h('p', { class: 'body' }, m.body),
              evidenceList(m.evidence),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No messages yet.'),
  );
  if (ctx.may('postNoticeMessage')) {
    const body = h('textarea', { rows: 3 });
    section.append(
      actionForm({
        title: 'Post a message',
        fields: [{ name: 'body', label: 'Message', control: body }],
        submitLabel: 'Post',
        run: () =>
          ctx.api.request('mutation ConsolePost($input: PostNoticeMessageInput!) { postNoticeMessage(input: $input) { id } }', {
            input: { noticeId: notice.id, body: body.value },
          }),
        onDone: () => refresh('Message posted.'),
      }),
    );
  }
  return section;
}

// Shows notice `id` in `container`; `back` (optional) returns to the list it was opened from.
// Returns { refresh() } so that live events can redraw it.
export function showNotice(ctx, container, id, back) {
  const status = h('p', { class: 'status', role: 'status' });
  // What live updates say goes apart from what an action said, which it must not overwrite.
  const liveNote = h('p', { class: 'muted live-note' });
  let alive = true;

  // Draws the notice again; `message` says why (an action's outcome, or with `live` an event).
  async function refresh(message, { live = false } = {}) {
    const { data, errors } = await ctx.api.call(NOTICE_QUERY, { id });
    if (!alive) return;
    const notice = data?.notice;
    const top = h('div', { class: 'notice-top' }, back ? h('button', { type: 'button', class: 'secondary', onclick: back }, '← Back to the list') : null, status, liveNote);
    if (!notice) {
      fill(container, top, refusal(new ApiError(errors.length ? errors : [{ message: 'no such notice' }]), 'The notice cannot be shown'));
      return;
    }
    if (live) liveNote.textContent = message || '';
    else status.textContent = message || '';
    const titles = new Map(notice.items.nodes.map((i) => [i.id, i.listing.title]));
    const actions = [];
    if (notice.status === 'OPEN' && ctx.may('withdrawNotice')) {
      actions.push(
        actionForm({
          title: 'Withdraw the notice',
          level: 'h3',
          fields: [],
          submitLabel: 'Withdraw its pending items',
          run: () => ctx.api.request('mutation ConsoleWithdraw($id: ID!) { withdrawNotice(id: $id) { id status } }', { id }),
          onDone: (r) => refresh(`Notice withdrawn: ${r.withdrawNotice.status}.`),
        }),
      );
    }
    fill(
      container,
      top,
      h(
        'article',
        { class: 'notice', dataset: { id: notice.id } },
        h('h2', { tabindex: '-1', class: 'notice-title' }, `Notice `, h('code', null, notice.id)),
        facts([
          ['Brand', notice.brand.name],
          ['Status', [badge(notice.status), notice.expedited ? [' ', badge('EXPEDITED')] : null]],
          ['Reason', notice.reason],
          ['Submitted', when(notice.submittedAt)],
          ['Closed', when(notice.closedAt)],
          ['Explanation', h('span', { class: 'explanation' }, notice.explanation)],
        ]),
        actions,
        h('section', { 'aria-labelledby': 'items-h' }, h('h3', { id: 'items-h' }, `Items (${notice.items.totalCount})`), notice.items.nodes.map((item, i) => itemCard(ctx, notice, item, i, refresh))),
        timeline(notice, titles),
        thread(ctx, notice, errors, titles, refresh),
      ),
    );
    if (!message) container.querySelector('.notice-title')?.focus();
  }

  // Whether the user is typing into one of the notice's forms, or has chosen in one, which a
  // redraw would undo.
  function typing() {
    const typed = [...container.querySelectorAll('form textarea, form input:not([type="checkbox"])')].some((el) => el.value.trim());
    const chosen = [...container.querySelectorAll('form select')].some((el) => [...el.options].some((o) => o.selected !== o.defaultSelected));
    return typed || chosen;
  }

  refresh();
  return {
    refresh,
    // A live event about this notice: drawn at once, or on request while the user is typing.
    changed(message) {
      if (!typing()) {
        refresh(message, { live: true });
        return;
      }
      fill(liveNote, `${message} `, h('button', { type: 'button', class: 'secondary', onclick: () => refresh(message, { live: true }) }, 'Show the changes'));
    },
    noticeId: id,
    close() {
      alive = false;
    },
  };
}

// Shows notice `id` in place of what `container` held (a list), with a button back to it that
// calls `back()` to draw the list again. Returns what showNotice returns.
export function noticeInPlace(ctx, container, id, back) {
  const pane = h('div', { class: 'detail' });
  fill(container, pane);
  const detail = showNotice(ctx, pane, id, () => {
    detail.close();
    back();
  });
  return detail;
}
