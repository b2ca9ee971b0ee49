// Lists of notices: everything the viewer may see, filtered by status and paged forward with
// `first`/`after` as the API pages, or a reviewer's queue (`status: OPEN`, in the API's order).
// The API decides what is in a list: a brand agent's list holds its brand's notices only.

import { ApiError, refusal } from './api.js';
import { badge, fill, field, h, select, setFieldError, table, when } from './dom.js';
import { noticeInPlace } from './notice.js';

const PAGE = 20;

const LIST_QUERY = `query ConsoleNotices($first: Int, $after: String, $filter: NoticeFilter) {
  notices(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id reason status expedited submittedAt closedAt
      brand { id name }
      items(first: 20) {
        totalCount
        nodes { id status infoDueAt listing { id title seller { id handle } } }
      }
    }
  }
}`;

// "2 PENDING, 1 REMOVED" for the items of a page.
function itemSummary(items) {
  const counts = new Map();
  for (const item of items.nodes) counts.set(item.status, (counts.get(item.status) || 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status.replaceAll('_', ' ')}`).join(', ');
}

function earliest(items) {
  const due = items.nodes.map((i) => i.infoDueAt).filter(Boolean).sort();
  return due.length ? when(due[0]) : h('span', { class: 'muted' }, 'none');
}

// A list of notices in `container`. `queue`: the reviewer's queue (status OPEN, fixed).
// Returns { refresh(), onEvent(event) } for live updates.
export function noticeList(ctx, container, { queue = false, title }) {
  let status = queue ? 'OPEN' : '';
  // The date fields (absent in the queue).
  let from = null;
  let until = null;
  // The cursors of the pages before the one shown (forward paging: going back pops one).
  const cursors = [];
  let after = null;
  let detail = null;

  const heading = h('h2', { tabindex: '-1' }, title);
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  const controls = [];
  if (!queue) {
    const filter = field('Status', select(ctx.schema.enums.NoticeStatus, { empty: 'All statuses', selected: status }));
    // Submitted between two days (UTC): the API's `submittedAfter` / `submittedBefore`, its
    // refusal of an empty range shown beside the field it names.
    from = field('Submitted from', h('input', { type: 'date' }));
    until = field('Submitted before', h('input', { type: 'date' }));
    for (const f of [filter, from, until]) {
      f.control.addEventListener('change', () => {
        status = filter.control.value;
        cursors.length = 0;
        after = null;
        load();
      });
    }
    controls.push(h('div', { class: 'filters' }, filter.row, from.row, until.row));
  } else {
    controls.push(h('p', { class: 'muted' }, 'Open notices in the order the API gives them: expedited first, then those whose brand answered a question, then the oldest.'));
  }

  async function load() {
    detail = null;
    const filter = {};
    if (status) filter.status = status;
    if (from?.control.value) filter.submittedAfter = `${from.control.value}T00:00:00Z`;
    if (until?.control.value) filter.submittedBefore = `${until.control.value}T00:00:00Z`;
    const { data, errors } = await ctx.api.call(LIST_QUERY, {
      first: PAGE,
      after,
      filter: Object.keys(filter).length ? filter : null,
    });
    if (until) {
      const refused = errors?.find((e) => e.extensions?.field === 'filter.submittedBefore');
      setFieldError(until, refused ? refused.message : null);
    }
    if (!data?.notices) {
      fill(results, refusal(new ApiError(errors), 'The notices cannot be shown'));
      return;
    }
    const page = data.notices;
    const offset = cursors.length * PAGE;
    const rows = page.nodes.map((n, i) => [
      String(offset + i + 1),
      [h('code', { class: 'notice-id' }, n.id), h('br'), n.reason],
      n.brand.name,
      [badge(n.status), n.expedited ? [' ', badge('EXPEDITED')] : null],
      when(n.submittedAt),
      n.items.totalCount > n.items.nodes.length ? `${n.items.totalCount}; the first ${n.items.nodes.length}: ${itemSummary(n.items)}` : `${n.items.totalCount}: ${itemSummary(n.items)}`,
      h('ul', { class: 'compact' }, n.items.nodes.slice(0, 3).map((i) => h('li', null, h('span', { class: 'title' }, i.listing.title), ' — ', i.listing.seller.handle)), n.items.totalCount > 3 ? h('li', { class: 'muted' }, `and ${n.items.totalCount - 3} more`) : null),
      earliest(n.items),
      h('button', { type: 'button', class: 'open', dataset: { id: n.id }, 'aria-label': `Open notice ${offset + i + 1}`, onclick: () => open(n.id) }, 'Open'),
    ]);
    fill(
      results,
      page.nodes.length
        ? table(`${queue ? 'Queue' : 'Notices'}: ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}`, ['#', 'Notice', 'Brand', 'Status', 'Submitted', 'Items', 'Listings and sellers', 'Answer due', 'Action'], rows)
        : h('p', { class: 'empty' }, queue ? 'The queue is empty.' : 'No notices.'),
      h(
        'div',
        { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 0, onclick: () => { after = cursors.pop() ?? null; load(); } }, 'Previous page'),
        h('button', { type: 'button', class: 'secondary', disabled: !page.pageInfo.hasNextPage, onclick: () => { cursors.push(after); after = page.pageInfo.endCursor; load(); } }, 'Next page'),
      ),
    );
  }

  function open(id) {
    ctx.showing?.(id);
    detail = noticeInPlace(ctx, container, id, () => {
      ctx.showing?.(null);
      draw();
    });
  }

  function draw() {
    fill(container, heading, controls, results);
    load();
    heading.focus();
  }

  draw();
  return {
    refresh() {
      if (detail) detail.changed('Updated.');
      else load();
    },
    onEvent(event) {
      if (detail) {
        if (event.notice && event.notice.id === detail.noticeId) detail.changed(`Updated live: ${event.kind}.`);
      } else {
        load();
      }
    },
    open,
  };
}
