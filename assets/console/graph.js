// A seller's network (`Seller.network`) drawn in SVG, radially by hops: the root in the middle,
// each hop a ring around it, each member placed near the members of the ring inside that it is
// linked to. Members are coloured by status and sized by active strikes; links are labelled by
// the kind of identifier the two sellers share. No layout library: the layout is one pass over
// the members and links, so a network of the API's 500 members draws at once.
//
// Also the network as files: GraphML (nodes with id, handle, status, active strikes and hops;
// edges with kind, one per link as the API lists them) and CSV of nodes and of edges.

import { download, h, s } from './dom.js';

const GRAPHML_NS = 'http://graphml.graphdrawing.org/xmlns';

// Members of more than this many are drawn without their handle under them (it is in their
// tooltip and in the table beside the drawing), and links without their label.
const LABELS_UP_TO = 60;
// The least half-size of a drawing, and the room between two rings.
const MIN_EXTENT = 170;
const RING_GAP = 70;

function radiusOf(member) {
  return 7 + 2.5 * Math.min(member.seller.activeStrikeCount, 8);
}

// Positions: Map id → { x, y }, and the drawing's half-size.
function layout(network) {
  const byId = new Map(network.members.map((m) => [m.seller.id, m]));
  const neighbours = new Map(network.members.map((m) => [m.seller.id, []]));
  for (const link of network.links) {
    if (!byId.has(link.a.id) || !byId.has(link.b.id)) continue;
    neighbours.get(link.a.id).push(link.b.id);
    neighbours.get(link.b.id).push(link.a.id);
  }
  const rings = [];
  for (const m of network.members) (rings[m.hops] ||= []).push(m);
  const pos = new Map();
  const angle = new Map();
  let radius = 0;
  // At least this half-size, so that a small network is not drawn huge.
  let extent = MIN_EXTENT;
  rings.forEach((ring, hops) => {
    if (!ring) return;
    if (hops === 0) {
      ring.forEach((m) => pos.set(m.seller.id, { x: 0, y: 0 }));
      return;
    }
    const widest = Math.max(...ring.map(radiusOf));
    radius = Math.max(radius + 2 * widest + RING_GAP, (ring.length * (2 * widest + 14)) / (2 * Math.PI));
    const gap = (2 * widest + 14) / radius; // the least angle between two members of the ring
    // Each member wants the mean angle of its neighbours on the rings inside (none for the
    // first ring, whose only neighbour is the centre: it is spread evenly).
    const wanted = ring.map((m, i) => {
      const placed = neighbours.get(m.seller.id).filter((n) => angle.has(n));
      if (!placed.length) return { m, a: (i / ring.length) * 2 * Math.PI };
      const x = placed.reduce((sum, n) => sum + Math.cos(angle.get(n)), 0);
      const y = placed.reduce((sum, n) => sum + Math.sin(angle.get(n)), 0);
      return { m, a: Math.atan2(y, x) };
    });
    wanted.sort((p, q) => p.a - q.a || (p.m.seller.id < q.m.seller.id ? -1 : 1));
    let angles;
    if (ring.length * gap >= 2 * Math.PI) {
      // A full ring: evenly, in the order wanted.
      angles = wanted.map((_, i) => wanted[0].a + (i / ring.length) * 2 * Math.PI);
    } else {
      // Each as near its wish as the one before allows, then the whole ring turned back by the
      // mean push, so that the members stay near their neighbours.
      angles = [];
      wanted.forEach(({ a }, i) => angles.push(i === 0 ? a : Math.max(a, angles[i - 1] + gap)));
      const push = angles.reduce((sum, a, i) => sum + (a - wanted[i].a), 0) / angles.length;
      angles = angles.map((a) => a - push);
    }
    wanted.forEach(({ m }, i) => {
      angle.set(m.seller.id, angles[i]);
      pos.set(m.seller.id, { x: radius * Math.cos(angles[i]), y: radius * Math.sin(angles[i]) });
    });
    extent = Math.max(extent, radius + widest + 30);
  });
  return { pos, extent };
}

// The links drawn: one line per linked pair, labelled with every kind they share.
function pairs(network) {
  const byPair = new Map();
  for (const link of network.links) {
    const key = `${link.a.id} ${link.b.id}`;
    if (!byPair.has(key)) byPair.set(key, { a: link.a.id, b: link.b.id, kinds: [] });
    byPair.get(key).kinds.push(link.kind);
  }
  return [...byPair.values()];
}

// A link's label, on the line 60% of the way out from the end nearer the centre, where lines
// that meet at a member have drawn apart.
function linkLabel(p, q, text) {
  const [inner, outer] = Math.hypot(p.x, p.y) <= Math.hypot(q.x, q.y) ? [p, q] : [q, p];
  const x = inner.x + 0.6 * (outer.x - inner.x);
  const y = inner.y + 0.6 * (outer.y - inner.y);
  return s('text', { x: x.toFixed(1), y: (y - 3).toFixed(1), class: 'link-label', 'text-anchor': 'middle' }, text);
}

function describe(m) {
  return `${m.seller.handle}, ${m.seller.status}, ${m.seller.activeStrikeCount} active strike(s), ${m.hops} hop(s) from the centre`;
}

// The SVG of `network`; `onSelect(sellerId)` recentres on a member (click, Enter or Space).
// Its `data-draw-ms` says how long the layout and the elements took.
export function drawNetwork(network, { onSelect }) {
  const started = performance.now();
  const { pos, extent } = layout(network);
  const labels = network.members.length <= LABELS_UP_TO;
  const edges = s('g', { class: 'links' });
  for (const pair of pairs(network)) {
    const p = pos.get(pair.a);
    const q = pos.get(pair.b);
    if (!p || !q) continue;
    const kinds = pair.kinds.join(', ');
    edges.append(
      s('g', { class: 'link', dataset: { a: pair.a, b: pair.b, kinds } },
        s('line', { x1: p.x.toFixed(1), y1: p.y.toFixed(1), x2: q.x.toFixed(1), y2: q.y.toFixed(1) }, s('title', { text: kinds })),
        labels ? linkLabel(p, q, kinds) : null),
    );
  }
  const nodes = s('g', { class: 'members' });
  for (const m of network.members) {
    const p = pos.get(m.seller.id);
    const r = radiusOf(m);
    const select = () => onSelect(m.seller.id);
    nodes.append(
      s(
        'g',
        {
          class: `member st-${m.seller.status.toLowerCase()}${m.hops === 0 ? ' root' : ''}`,
          transform: `translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})`,
          role: 'button',
          tabindex: '0',
          'aria-label': `${describe(m)}: recentre on it`,
          dataset: { id: m.seller.id, hops: String(m.hops) },
          onclick: select,
          onkeydown: (event) => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              select();
            }
          },
        },
        s('title', { text: describe(m) }),
        s('circle', { r: r.toFixed(1) }),
        labels || m.hops === 0 ? s('text', { y: (r + 12).toFixed(1), 'text-anchor': 'middle', class: 'member-label' }, m.seller.handle) : null,
      ),
    );
  }
  const size = Math.ceil(extent);
  const svg = s(
    'svg',
    {
      class: 'network',
      viewBox: `${-size} ${-size} ${2 * size} ${2 * size}`,
      role: 'group',
      'aria-label': `Network of ${network.root.handle}: ${network.members.length} members, ${network.links.length} links${network.truncated ? ', truncated by the API' : ''}`,
      dataset: { members: String(network.members.length), links: String(network.links.length), truncated: String(Boolean(network.truncated)) },
    },
    edges,
    nodes,
  );
  svg.dataset.drawMs = (performance.now() - started).toFixed(1);
  return svg;
}

// The network as GraphML: valid XML, built as a document and serialized, so every value is
// escaped by the serializer.
export function graphml(network) {
  const doc = document.implementation.createDocument(GRAPHML_NS, 'graphml', null);
  const root = doc.documentElement;
  const key = (id, target, name, type) => {
    const k = doc.createElementNS(GRAPHML_NS, 'key');
    k.setAttribute('id', id);
    k.setAttribute('for', target);
    k.setAttribute('attr.name', name);
    k.setAttribute('attr.type', type);
    root.append(k);
  };
  key('handle', 'node', 'handle', 'string');
  key('displayName', 'node', 'displayName', 'string');
  key('status', 'node', 'status', 'string');
  key('strikes', 'node', 'activeStrikes', 'int');
  key('hops', 'node', 'hops', 'int');
  key('kind', 'edge', 'kind', 'string');
  const graph = doc.createElementNS(GRAPHML_NS, 'graph');
  graph.setAttribute('id', network.root.id);
  graph.setAttribute('edgedefault', 'undirected');
  root.append(graph);
  const data = (parent, id, value) => {
    const d = doc.createElementNS(GRAPHML_NS, 'data');
    d.setAttribute('key', id);
    d.textContent = String(value);
    parent.append(d);
  };
  for (const m of network.members) {
    const node = doc.createElementNS(GRAPHML_NS, 'node');
    node.setAttribute('id', m.seller.id);
    data(node, 'handle', m.seller.handle);
    data(node, 'displayName', m.seller.displayName);
    data(node, 'status', m.seller.status);
    data(node, 'strikes', m.seller.activeStrikeCount);
    data(node, 'hops', m.hops);
    graph.append(node);
  }
  network.links.forEach((link, i) => {
    const edge = doc.createElementNS(GRAPHML_NS, 'edge');
    edge.setAttribute('id', `e${i}`);
    edge.setAttribute('source', link.a.id);
    edge.setAttribute('target', link.b.id);
    data(edge, 'kind', link.kind);
    graph.append(edge);
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}\n`;
}

// One CSV cell: quoted, quotes doubled, and a leading = + - @ (or tab, CR) defused with a `'`
// so that a spreadsheet does not take a seller's text for a formula.
function cell(value) {
  let text = String(value ?? '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replaceAll('"', '""')}"`;
}

function csv(header, rows) {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function nodesCsv(network) {
  return csv(['id', 'handle', 'displayName', 'status', 'activeStrikes', 'hops'], network.members.map((m) => [m.seller.id, m.seller.handle, m.seller.displayName, m.seller.status, m.seller.activeStrikeCount, m.hops]));
}

export function edgesCsv(network) {
  return csv(['source', 'target', 'kind'], network.links.map((l) => [l.a.id, l.b.id, l.kind]));
}

// The buttons that download `network` in each format.
export function downloads(network) {
  const base = `network-${network.root.handle}`;
  return h(
    'div',
    { class: 'downloads' },
    h('button', { type: 'button', class: 'secondary', onclick: () => download(`${base}.graphml`, 'application/graphml+xml', graphml(network)) }, 'Download GraphML'),
    h('button', { type: 'button', class: 'secondary', onclick: () => download(`${base}-nodes.csv`, 'text/csv', nodesCsv(network)) }, 'Download nodes (CSV)'),
    h('button', { type: 'button', class: 'secondary', onclick: () => download(`${base}-edges.csv`, 'text/csv', edgesCsv(network)) }, 'Download edges (CSV)'),
  );
}
