// The appeals queue of a role that may resolve appeals: `appeals(status:)` as the API pages it
// (PENDING first offered: the reviewer's queue), each appeal with the decision it is against,
// and for a PENDING one the form of `resolveAppeal`. Whether this viewer may resolve a given
// appeal (never the maker of the decision under it) is the API's to say: the schema does not
// tell who made a decision, so its refusal is shown with its message and code.

import { paged } from './api.js';
import { badge, facts, fill, field, h, select, when } from './dom.js';
import { actionForm, noticeInPlace } from './notice.js';

const APPEALS = `query ConsoleAppeals($status: AppealStatus, $first: Int, $after: String) {
  appeals(status: $status, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id party status statement filedAt resolvedAt resolutionReason
      item {
        id status decidedAt decisionReason
        listing { id title url status seller { id handle } }
        notice { id reason brand { id name } }
      }
    }
  }
}`;

const RESOLVE = 'mutation ConsoleResolveAppeal($input: ResolveAppealInput!) { resolveAppeal(input: $input) { id status } }';

function resolveForm(ctx, appeal, reload) {
  const outcome = select(ctx.schema.enums.AppealOutcome);
  const reason = h('textarea', { rows: 2 });
  return actionForm({
    title: 'Resolve the appeal',
    fields: [
      { name: 'outcome', label: 'Outcome', control: outcome },
      { name: 'reason', label: 'Reason', control: reason },
    ],
    submitLabel: 'Resolve',
    run: () => ctx.api.request(RESOLVE, { input: { appealId: appeal.id, outcome: outcome.value, reason: reason.value } }),
    onDone: (r) => reload(`Appeal resolved: ${r.resolveAppeal.status}.`),
  });
}

function appealCard(ctx, appeal, index, reload, open) {
  const item = appeal.item;
  return h(
    'article',
    { class: 'item appeal', dataset: { id: appeal.id } },
    h('h3', null, `Appeal ${index}: `, h('span', { class: 'title' }, item.listing.title)),
    facts([
      ['Appeal', [badge(appeal.status), ` by ${appeal.party}, filed `, when(appeal.filedAt)]],
      ['Statement', h('span', { class: 'explanation' }, appeal.statement)],
      ['Decision appealed', [badge(item.status), ' ', when(item.decidedAt), item.decisionReason ? [' — ', item.decisionReason] : null]],
      ['Listing', [badge(item.listing.status), ' ', h('span', { class: 'url' }, item.listing.url), ' · ', item.listing.seller.handle]],
      ['Notice', [item.notice.brand.name, ` · ${item.notice.reason} · `, h('button', { type: 'button', class: 'secondary', 'aria-label': `Open the notice of appeal ${index}`, onclick: () => open(item.notice.id) }, 'Open the notice')]],
      appeal.resolvedAt ? ['Resolved', [when(appeal.resolvedAt), ': ', appeal.resolutionReason]] : null,
    ].filter(Boolean)),
    appeal.status === 'PENDING' && ctx.may('resolveAppeal') ? resolveForm(ctx, appeal, reload) : null,
  );
}

export function appeals(ctx, container) {
  const heading = h('h2', { tabindex: '-1' }, 'Appeals');
  const statuses = ctx.schema.enums.AppealStatus;
  const filter = field('Status', select(statuses, { empty: 'All statuses', selected: statuses.some((s) => s.name === 'PENDING') ? 'PENDING' : undefined }));
  const list = h('div');
  let detail = null;
  let view = null;

  function draw() {
    detail = null;
    fill(container, heading, h('p', { class: 'muted' }, 'Appeals against decisions, oldest first. Only someone other than whoever made a decision may resolve the appeal against it; the API says so when you did.'), h('div', { class: 'filters' }, filter.row), list);
    heading.focus();
  }

  function open(noticeId) {
    ctx.showing?.(noticeId);
    detail = noticeInPlace(ctx, container, noticeId, () => {
      ctx.showing?.(null);
      draw();
      view.refresh();
    });
  }

  draw();
  view = paged(ctx, list, {
    query: APPEALS,
    variables: () => ({ status: filter.control.value || null }),
    pick: (data) => data.appeals,
    what: 'appeals',
    draw: (page, offset, reload) =>
      page.nodes.length
        ? h('div', null, h('p', { class: 'muted count' }, `Appeals ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}`), page.nodes.map((a, i) => appealCard(ctx, a, offset + i + 1, reload, open)))
        : h('p', { class: 'empty' }, 'No appeals.'),
  });
  filter.control.addEventListener('change', () => view.reset());
  return {
    open,
    refresh: () => (detail ? detail.changed('Updated.') : view.refresh()),
    onEvent: (event) => {
      if (detail) {
        if (event.notice && event.notice.id === detail.noticeId) detail.changed(`Updated live: ${event.kind}.`);
      } else if (![...container.querySelectorAll('form textarea')].some((t) => t.value.trim())) {
        // Not while a reason is being typed: a redraw would empty it.
        view.refresh();
      }
    },
  };
}
