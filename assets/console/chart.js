// A brand's figures month by month over the last twelve months, drawn as bars in SVG by this
// code, with the same figures as a table for screen readers and keyboards.
//
// `Brand.stats` takes only `since`, so a month's figure is the difference of two counts asked in
// the same request: stats(since: its first day) less stats(since: the next month's first day).
// That holds for counts (notices submitted, items decided); rates and medians do not subtract, so
// they are not drawn per month.

import { ApiError, refusal } from './api.js';
import { fill, h, s, table } from './dom.js';

const MONTHS = 12;
// [field of BrandStats, what it reads as, class of its bars]
const SERIES = [
  ['noticesSubmitted', 'Notices submitted', 'bar-notices'],
  ['itemsRemoved', 'Items taken down', 'bar-removed'],
  ['itemsRejected', 'Items rejected', 'bar-rejected'],
];
const WIDTH = 720;
const HEIGHT = 240;
const LEFT = 40;
const BOTTOM = 36;
const TOP = 12;

// The first instant (UTC) of each of the last MONTHS months, the current one last.
function monthStarts(now) {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return Array.from({ length: MONTHS }, (_, i) => new Date(Date.UTC(y, m - (MONTHS - 1) + i, 1)));
}

// One request: the brand's counts since the first day of each month, one alias per month.
function monthlyQuery() {
  const fields = SERIES.map(([key]) => key).join(' ');
  const vars = Array.from({ length: MONTHS }, (_, i) => `$m${i}: DateTime!`).join(', ');
  const aliases = Array.from({ length: MONTHS }, (_, i) => `m${i}: stats(since: $m${i}) { ${fields} }`).join('\n    ');
  return `query ConsoleMonthly($brand: ID!, ${vars}) {\n  brand(id: $brand) {\n    id\n    ${aliases}\n  }\n}`;
}

const QUERY = monthlyQuery();

function monthName(date) {
  return date.toLocaleString('en', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

// Rows { label, start, values: { field: count } }, oldest first, from the counts since each start.
export function byMonth(starts, since) {
  return starts.map((start, i) => {
    const values = {};
    for (const [key] of SERIES) values[key] = since[i][key] - (i + 1 < starts.length ? since[i + 1][key] : 0);
    return { label: monthName(start), start: start.toISOString(), values };
  });
}

// The chart: one group of bars per month, a scale on the left, a legend below.
function chart(rows, titleId) {
  const plotWidth = WIDTH - LEFT - 8;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const top = Math.max(1, ...rows.flatMap((r) => Object.values(r.values)));
  const y = (v) => TOP + plotHeight - (v / top) * plotHeight;
  const group = plotWidth / rows.length;
  const bar = (group - 6) / SERIES.length;
  const grid = [0, Math.round(top / 2), top].filter((v, i, all) => all.indexOf(v) === i);
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': titleId },
    grid.map((v) => s('g', { class: 'grid' }, s('line', { x1: LEFT, x2: WIDTH - 8, y1: y(v).toFixed(1), y2: y(v).toFixed(1) }), s('text', { x: LEFT - 6, y: (y(v) + 4).toFixed(1), 'text-anchor': 'end' }, String(v)))),
    rows.map((row, i) =>
      s(
        'g',
        { class: 'month', dataset: { month: row.start } },
        SERIES.map(([key, label, cls], k) => {
          const value = row.values[key];
          const x = LEFT + i * group + 3 + k * bar;
          return s('rect', { class: cls, x: x.toFixed(1), y: y(value).toFixed(1), width: Math.max(1, bar - 1).toFixed(1), height: (TOP + plotHeight - y(value)).toFixed(1), dataset: { series: key, value: String(value) } }, s('title', { text: `${row.label}: ${value} ${label.toLowerCase()}` }));
        }),
        s('text', { class: 'axis', x: (LEFT + i * group + group / 2).toFixed(1), y: HEIGHT - BOTTOM + 16, 'text-anchor': 'middle' }, row.label.slice(0, 3)),
      ),
    ),
  );
}

function legend() {
  return h('p', { class: 'legend', 'aria-hidden': 'true' }, SERIES.map(([, label, cls]) => h('span', { class: 'legend-item' }, h('span', { class: `swatch ${cls}` }), ` ${label}`)));
}

// The section in `container`; returns { load } to draw it again.
export function monthly(ctx, container, brandId) {
  const titleId = 'monthly-h';
  const body = h('div', { 'aria-live': 'polite' }, h('p', null, 'Loading…'));
  fill(container, h('h3', { id: titleId }, `Month by month, the last ${MONTHS} months (UTC)`), body);

  async function load() {
    const starts = monthStarts(new Date());
    const variables = { brand: brandId, ...Object.fromEntries(starts.map((d, i) => [`m${i}`, d.toISOString()])) };
    const { data, errors } = await ctx.api.call(QUERY, variables);
    const brand = data?.brand;
    const since = brand ? starts.map((_, i) => brand[`m${i}`]) : [];
    if (!brand || since.some((st) => !st)) {
      fill(body, refusal(new ApiError(errors.length ? errors : [{ message: 'no figures' }]), 'The figures by month cannot be shown'));
      return;
    }
    const rows = byMonth(starts, since);
    fill(
      body,
      h('figure', { class: 'chart' }, chart(rows, titleId), legend()),
      h('details', { class: 'chart-table' }, h('summary', null, 'The same figures as a table'), table('Figures by month', ['Month', ...SERIES.map(([, label]) => label)], rows.map((r) => [r.label, ...SERIES.map(([key]) => String(r.values[key]))]))),
    );
  }

  load();
  return { load };
}
