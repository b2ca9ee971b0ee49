// The analyst's view: repeat offenders, offender clusters, and a seller's network drawn as a
// graph (graph.js). The arguments' defaults (the fewest strikes, members, hops) are the
// schema's own, read by introspection.

import { ApiError, refusal } from './api.js';
import { badge, facts, fill, field, h, table, uid } from './dom.js';
import { downloads, drawNetwork } from './graph.js';

const PAGE = 20;

const OFFENDERS = `query ConsoleOffenders($min: Int!, $brand: ID, $first: Int, $after: String) {
  repeatOffenders(minActiveStrikes: $min, brandId: $brand, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id handle displayName country status activeStrikeCount }
  }
}`;

const CLUSTERS = `query ConsoleClusters($members: Int!, $strikes: Int!, $first: Int, $after: String) {
  offenderClusters(minMembers: $members, minActiveStrikes: $strikes, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { size totalActiveStrikes members(first: 5) { nodes { id handle status activeStrikeCount } } }
  }
}`;

const NETWORK = `query ConsoleNetwork($id: ID!, $hops: Int!) {
  seller(id: $id) {
    id handle
    network(maxHops: $hops) {
      truncated totalActiveStrikes
      root { id handle }
      members { hops seller { id handle displayName status activeStrikeCount } }
      links { a { id } b { id } kind }
    }
  }
}`;

// Whether the viewer's role may read networks, as the schema documents `Seller.network`.
function mayReadNetworks(ctx) {
  return ctx.schema.fieldRoles('Seller.network')?.has(ctx.viewer.role) ?? false;
}

function numberInput(value, min) {
  return h('input', { type: 'number', min: String(min), step: '1', value: String(value), inputmode: 'numeric' });
}

// A paged list of repeat offenders (`brandId`: only the strikes from that brand's notices).
export function offenders(ctx, container, { brandId = null, minimum = null, onNetwork = null } = {}) {
  const min = field('Fewest active strikes', numberInput(minimum ?? ctx.schema.defaultOf('Query.repeatOffenders.minActiveStrikes') ?? 1, 1));
  const results = h('div', { 'aria-live': 'polite' });
  const cursors = [];
  let after = null;
  async function load() {
    const variables = { min: Number(min.control.value), brand: brandId, first: PAGE, after };
    const { data, errors } = await ctx.api.call(OFFENDERS, variables);
    const page = data?.repeatOffenders;
    if (!page) {
      fill(results, refusal(new ApiError(errors), 'The offenders cannot be shown'));
      return;
    }
    const offset = cursors.length * PAGE;
    fill(
      results,
      page.nodes.length
        ? table(`Repeat offenders: ${offset + 1}–${offset + page.nodes.length} of ${page.totalCount}`, ['Seller', 'Name', 'Country', 'Status', 'Active strikes', 'Action'], page.nodes.map((s) => [
            h('span', { class: 'handle' }, s.handle),
            s.displayName,
            s.country,
            badge(s.status),
            String(s.activeStrikeCount),
            onNetwork ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Network of ${s.handle}`, onclick: () => onNetwork(s.id) }, 'Network') : '',
          ]))
        : h('p', { class: 'empty' }, 'No seller has that many active strikes.'),
      h(
        'div',
        { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: cursors.length === 0, onclick: () => { after = cursors.pop() ?? null; load(); } }, 'Previous page'),
        h('button', { type: 'button', class: 'secondary', disabled: !page.pageInfo.hasNextPage, onclick: () => { cursors.push(after); after = page.pageInfo.endCursor; load(); } }, 'Next page'),
      ),
    );
  }
  const form = h('form', { class: 'filters', novalidate: true }, min.row, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    cursors.length = 0;
    after = null;
    load();
  });
  container.append(form, results);
  load();
}

function clusters(ctx, container, onNetwork) {
  const members = field('Fewest members', numberInput(ctx.schema.defaultOf('Query.offenderClusters.minMembers') ?? 2, 1));
  const strikes = field('Fewest active strikes', numberInput(ctx.schema.defaultOf('Query.offenderClusters.minActiveStrikes') ?? 1, 0));
  const results = h('div', { 'aria-live': 'polite' });
  async function load() {
    const { data, errors } = await ctx.api.call(CLUSTERS, { members: Number(members.control.value), strikes: Number(strikes.control.value), first: PAGE });
    const page = data?.offenderClusters;
    if (!page) {
      fill(results, refusal(new ApiError(errors), 'The clusters cannot be shown'));
      return;
    }
    fill(
      results,
      page.nodes.length
        ? table(`Offender clusters: ${page.nodes.length} of ${page.totalCount}`, ['Members', 'Active strikes', 'First members', 'Action'], page.nodes.map((c) => [
            String(c.size),
            String(c.totalActiveStrikes),
            c.members.nodes.map((m) => m.handle).join(', '),
            h('button', { type: 'button', class: 'secondary', 'aria-label': `Network of ${c.members.nodes[0].handle}`, onclick: () => onNetwork(c.members.nodes[0].id) }, 'Network'),
          ]))
        : h('p', { class: 'empty' }, 'No cluster is that large.'),
    );
  }
  const form = h('form', { class: 'filters', novalidate: true }, members.row, strikes.row, h('button', { type: 'submit' }, 'Show'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  container.append(form, results);
  load();
}

// The network panel: a seller id, the hops, the drawing, its members as a table (the same
// choices as the drawing, for keyboards and screen readers), and the downloads.
function networkPanel(ctx, container) {
  const seller = field('Seller id', h('input', { type: 'text', spellcheck: 'false', autocomplete: 'off', placeholder: 'slr_…' }));
  const hops = field('Hops', h('select', null, [1, 2, 3, 4].map((n) => h('option', { value: String(n) }, String(n)))), 'How many links away from the seller to walk.');
  hops.control.value = String(ctx.schema.defaultOf('Seller.network.maxHops') ?? 2);
  const out = h('div', { class: 'network-out', 'aria-live': 'polite' });
  const form = h('form', { class: 'filters', novalidate: true }, seller.row, hops.row, h('button', { type: 'submit' }, 'Show the network'));

  async function show(id) {
    ctx.showing?.(id);
    seller.control.value = id;
    fill(out, h('p', null, 'Loading…'));
    const started = performance.now();
    const { data, errors } = await ctx.api.call(NETWORK, { id, hops: Number(hops.control.value) });
    const network = data?.seller?.network;
    if (!network) {
      fill(out, refusal(new ApiError(errors.length ? errors : [{ message: 'no such seller' }]), 'The network cannot be shown'));
      return;
    }
    const svg = drawNetwork(network, { onSelect: show });
    const rootHandle = network.root.handle;
    const captionId = uid('net');
    fill(
      out,
      h('h4', { id: captionId }, `Network of ${rootHandle} within ${hops.control.value} hop(s)`),
      network.truncated ? h('p', { class: 'truncated', role: 'note' }, `Truncated: more sellers were reachable within ${hops.control.value} hop(s) than the ${network.members.length} the API returned and shown here (the nearest first). Fewer hops, or recentring on a member, shows a whole network.`) : null,
      facts([
        ['Members', String(network.members.length)],
        ['Links', String(network.links.length)],
        ['Active strikes', String(network.totalActiveStrikes)],
      ]),
      downloads(network),
      h('figure', { class: 'graph', 'aria-labelledby': captionId }, svg, legend()),
      h('p', { class: 'muted timing' }, `Drawn in ${svg.dataset.drawMs} ms (${Math.round(performance.now() - started)} ms with the request).`),
      h('details', { class: 'members-table', open: network.members.length <= 30 }, h('summary', null, `The ${network.members.length} members as a table`), table('Members', ['Seller', 'Status', 'Active strikes', 'Hops', 'Action'], network.members.map((m) => [
        h('span', { class: 'handle' }, m.seller.handle),
        badge(m.seller.status),
        String(m.seller.activeStrikeCount),
        String(m.hops),
        m.hops === 0 ? h('span', { class: 'muted' }, 'centre') : h('button', { type: 'button', class: 'secondary', 'aria-label': `Recentre on ${m.seller.handle}`, onclick: () => show(m.seller.id) }, 'Recentre'),
      ]))),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = seller.control.value.trim();
    if (id) show(id);
  });
  container.append(form, out);
  return { show };
}

function legend() {
  return h(
    'figcaption',
    { class: 'legend' },
    ['ACTIVE', 'WARNED', 'SUSPENDED', 'TERMINATED'].map((status) => h('span', { class: 'legend-item' }, h('span', { class: `swatch st-${status.toLowerCase()}`, 'aria-hidden': 'true' }), ` ${status}`)),
    h('span', { class: 'legend-item' }, 'Larger: more active strikes. Lines: a shared identifier, labelled by its kind. Select a member to recentre on it.'),
  );
}

export function analyst(ctx, container) {
  const heading = h('h2', { tabindex: '-1' }, 'Offenders and networks');
  const networkSection = h('section', { 'aria-labelledby': 'network-h' }, h('h3', { id: 'network-h' }, 'Network'));
  const offendersSection = h('section', { 'aria-labelledby': 'offenders-h' }, h('h3', { id: 'offenders-h' }, 'Repeat offenders'));
  const clustersSection = h('section', { 'aria-labelledby': 'clusters-h' }, h('h3', { id: 'clusters-h' }, 'Offender clusters'));
  fill(container, heading, offendersSection, clustersSection, networkSection);
  heading.focus();
  const networks = mayReadNetworks(ctx) ? networkPanel(ctx, networkSection) : null;
  if (!networks) networkSection.remove();
  const onNetwork = networks
    ? (id) => {
        networks.show(id);
        networkSection.scrollIntoView();
      }
    : null;
  offenders(ctx, offendersSection, { onNetwork });
  clusters(ctx, clustersSection, onNetwork);
  return {
    refresh() {},
    onEvent() {},
    // A network named by the address (`#/analyst/slr_…`).
    open(id) {
      if (networks) onNetwork(id);
    },
  };
}
