// A brand agent's figures: its standing as a notifier, its trust tier, `Brand.stats` all time and
// over the last 90 days, the same month by month as a chart (chart.js), and the repeat offenders
// among the sellers its notices struck.

import { ApiError, refusal } from './api.js';
import { badge, facts, fill, h, table, when } from './dom.js';
import { offenders } from './analyst.js';
import { monthly } from './chart.js';

const FIGURES = `query ConsoleFigures($brand: ID!, $since: DateTime) {
  brand(id: $brand) {
    id name country trustTier submissionStatus submissionSuspendedUntil
    all: stats { ...Figures }
    recent: stats(since: $since) { ...Figures }
  }
}
fragment Figures on BrandStats {
  noticesSubmitted itemsSubmitted itemsPending itemsRemoved itemsRejected itemsReinstated
  counterNoticesFiled takedownRate counterNoticeSuccessRate medianHoursToDecision
  informationRequests medianHoursToAnswer
}`;

// The figures in the order shown, with how each reads.
const ROWS = [
  ['noticesSubmitted', 'Notices submitted'],
  ['itemsSubmitted', 'Items submitted'],
  ['itemsPending', 'Items pending'],
  ['itemsRemoved', 'Items taken down'],
  ['itemsRejected', 'Items rejected'],
  ['itemsReinstated', 'Items reinstated'],
  ['counterNoticesFiled', 'Counter-notices filed'],
  ['takedownRate', 'Takedown rate', 'rate'],
  ['counterNoticeSuccessRate', 'Counter-notice success rate', 'rate'],
  ['medianHoursToDecision', 'Median hours to decision', 'hours'],
  ['informationRequests', 'Requests for information'],
  ['medianHoursToAnswer', 'Median hours to answer', 'hours'],
];

function figure(value, kind) {
  if (value === null || value === undefined) return h('span', { class: 'muted' }, '—');
  if (kind === 'rate') return `${(value * 100).toFixed(1)} %`;
  if (kind === 'hours') return value.toFixed(1);
  return String(value);
}

export function figures(ctx, container) {
  const brandId = ctx.viewer.brand.id;
  const heading = h('h2', { tabindex: '-1' }, `Figures of ${ctx.viewer.brand.name}`);
  const body = h('div', { 'aria-live': 'polite' }, h('p', null, 'Loading…'));
  const months = h('section', { class: 'monthly', 'aria-labelledby': 'monthly-h' });
  const struck = h('section', { 'aria-labelledby': 'struck-h' }, h('h3', { id: 'struck-h' }, 'Repeat offenders struck by your notices'));
  fill(container, heading, body, months, struck);
  heading.focus();

  async function load() {
    const since = new Date(Date.now() - 90 * 24 * 3600 * 1000).toISOString();
    const { data, errors } = await ctx.api.call(FIGURES, { brand: brandId, since });
    const brand = data?.brand;
    if (!brand) {
      fill(body, refusal(new ApiError(errors), 'The figures cannot be shown'));
      return;
    }
    fill(
      body,
      facts([
        ['Standing as a notifier', brand.submissionStatus ? badge(brand.submissionStatus) : h('span', { class: 'muted' }, '—')],
        brand.submissionSuspendedUntil ? ['Suspended until', when(brand.submissionSuspendedUntil)] : null,
        ['Trust tier', badge(brand.trustTier)],
        ['Country', brand.country],
      ].filter(Boolean)),
      brand.all && brand.recent
        ? table('Enforcement figures', ['Figure', 'All time', 'Last 90 days'], ROWS.map(([key, label, kind]) => [label, figure(brand.all[key], kind), figure(brand.recent[key], kind)]))
        : refusal(new ApiError(errors), 'The figures cannot be shown'),
    );
  }

  load();
  const chart = monthly(ctx, months, brandId);
  offenders(ctx, struck, { brandId, minimum: 1 });
  const both = () => Promise.all([load(), chart.load()]);
  return { refresh: both, onEvent: both };
}
