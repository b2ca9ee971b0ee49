// A seller's views: its listings, and the items of notices against them with their statements
// of reasons, from which it files a counter-notice or an appeal. The seller sees what the API
// shows a seller: its own items and the events about them, never the brand's thread.

import { paged } from './api.js';
import { badge, facts, fill, h, table, when } from './dom.js';
import { actionForm } from './notice.js';

const LISTINGS = `query ConsoleListings($seller: ID!, $first: Int, $after: String) {
  seller(id: $seller) {
    id handle status activeStrikeCount
    listings(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id title url status listedAt removedAt price { amount currency } }
    }
  }
}`;

const ITEMS = `query ConsoleItems($seller: ID!, $first: Int, $after: String) {
  seller(id: $seller) {
    id
    noticeItems(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id status decidedAt decisionReason
        listing { id title status }
        notice { id reason explanation submittedAt brand { name } }
        trademark { mark jurisdiction registrationNumber }
        evidence { kind url orderNumber note }
        statementOfReasons {
          id puid procedure accountDecision legalGround explanation factsAndCircumstances
          applicationDate territorialScope redress { counterNoticeUntil appealUntil }
        }
        counterNotice { id status statement filedAt resolvedAt }
        appeals { id party status statement filedAt resolvedAt resolutionReason }
      }
    }
  }
}`;

export function listings(ctx, container) {
  const heading = h('h2', { tabindex: '-1' }, `Listings of ${ctx.viewer.seller.handle}`);
  fill(container, heading);
  heading.focus();
  const view = paged(ctx, container, {
    query: LISTINGS,
    variables: { seller: ctx.viewer.seller.id },
    pick: (data) => data.seller?.listings,
    what: 'listings',
    draw: (page, offset) =>
      page.nodes.length
        ? table(`Listings ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}`, ['Title', 'Address', 'Price', 'Status', 'Listed', 'Removed'], page.nodes.map((l) => [
            h('span', { class: 'title', dataset: { id: l.id } }, l.title),
            h('span', { class: 'url' }, l.url),
            `${l.price.amount} ${l.price.currency}`,
            badge(l.status),
            when(l.listedAt),
            when(l.removedAt),
          ]))
        : h('p', { class: 'empty' }, 'No listings.'),
  });
  return { refresh: () => view.refresh(), onEvent() {} };
}

function statement(sor) {
  if (!sor) return null;
  return h(
    'details',
    { class: 'statement' },
    h('summary', null, 'Statement of reasons ', h('code', null, sor.puid)),
    facts([
      ['Procedure', sor.procedure],
      ['Account', sor.accountDecision ? badge(sor.accountDecision) : 'no restriction'],
      ['Legal ground', sor.legalGround],
      ['Explanation', sor.explanation],
      ['Facts and circumstances', sor.factsAndCircumstances],
      ['Applied', when(sor.applicationDate)],
      ['Territorial scope', sor.territorialScope.join(', ')],
      ['Counter-notice until', when(sor.redress.counterNoticeUntil)],
      ['Appeal until', when(sor.redress.appealUntil)],
    ]),
  );
}

function itemActions(ctx, item, reload) {
  const forms = [];
  if (item.status !== 'REMOVED') return forms;
  if (ctx.may('fileCounterNotice')) {
    const text = h('textarea', { rows: 3 });
    forms.push(
      actionForm({
        title: 'File a counter-notice',
        fields: [{ name: 'statement', label: 'Why the removal is wrong', control: text }],
        submitLabel: 'File the counter-notice',
        run: () =>
          ctx.api.request('mutation ConsoleCounter($input: FileCounterNoticeInput!) { fileCounterNotice(input: $input) { id status } }', {
            input: { itemId: item.id, statement: text.value },
          }),
        onDone: () => reload('Counter-notice filed.'),
      }),
    );
  }
  if (ctx.may('fileAppeal')) {
    const text = h('textarea', { rows: 3 });
    forms.push(
      actionForm({
        title: 'Appeal the removal',
        fields: [{ name: 'statement', label: 'Why the decision is wrong', control: text }],
        submitLabel: 'File the appeal',
        run: () =>
          ctx.api.request('mutation ConsoleAppeal($input: FileAppealInput!) { fileAppeal(input: $input) { id status } }', {
            input: { itemId: item.id, statement: text.value },
          }),
        onDone: () => reload('Appeal filed.'),
      }),
    );
  }
  return forms;
}

export function items(ctx, container) {
  const heading = h('h2', { tabindex: '-1' }, 'Notices against my listings');
  fill(container, heading);
  heading.focus();
  const view = paged(ctx, container, {
    query: ITEMS,
    variables: { seller: ctx.viewer.seller.id },
    pick: (data) => data.seller?.noticeItems,
    what: 'items',
    draw: (page, offset, reload) =>
      page.nodes.length
        ? h(
            'div',
            null,
            h('p', { class: 'muted' }, `Items ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}`),
            page.nodes.map((item) =>
              h(
                'article',
                { class: 'item', dataset: { id: item.id } },
                h('h3', null, h('span', { class: 'title' }, item.listing.title)),
                facts([
                  ['Item', [badge(item.status), ' ', h('code', null, item.id)]],
                  ['Notice', [item.notice.brand.name, ` · ${item.notice.reason} · submitted `, when(item.notice.submittedAt)]],
                  ['Brand’s explanation', h('span', { class: 'explanation' }, item.notice.explanation)],
                  ['Trademark', `${item.trademark.mark} · ${item.trademark.jurisdiction} ${item.trademark.registrationNumber}`],
                  ['Decided', item.decidedAt ? [when(item.decidedAt), item.decisionReason ? [' — ', item.decisionReason] : null] : 'not yet'],
                  item.counterNotice ? ['Counter-notice', [badge(item.counterNotice.status), ' filed ', when(item.counterNotice.filedAt), ': ', item.counterNotice.statement]] : null,
                  item.appeals.length ? ['Appeals', item.appeals.map((a) => h('div', null, badge(a.status), ` by ${a.party}, filed `, when(a.filedAt), ': ', a.statement))] : null,
                ].filter(Boolean)),
                statement(item.statementOfReasons),
                itemActions(ctx, item, reload),
              ),
            ),
          )
        : h('p', { class: 'empty' }, 'No notice names your listings.'),
  });
  return { refresh: () => view.refresh(), onEvent() {} };
}
