// The form of a new notice for a brand agent's brand. It checks nothing itself: it sends what
// was typed, and shows each error of the API next to the field its `extensions.field` names
// (`items.1.listingId` next to the listings by id, on their line; `itemsByUrl.0.listingUrl` next
// to the listings by address; `items.0.evidence.1.url` next to the second piece's URL;
// `explanation` next to the explanation). Listings are named by id (`items`) or by marketplace
// address (`itemsByUrl`), as the API takes them; the evidence goes with every listing of the
// notice. A fresh idempotency key per notice makes a second click harmless: the API returns the
// notice the first one made.

import { ApiError, refusal } from './api.js';
import { field, fill, h, select, setFieldError } from './dom.js';
import { evidenceRows } from './notice.js';

const TRADEMARKS = `query ConsoleTrademarks($brand: ID!) {
  brand(id: $brand) { id trademarks(first: 100) { nodes { id mark status jurisdiction registrationNumber } } }
}`;

const SUBMIT = `mutation ConsoleSubmit($input: SubmitNoticeInput!) {
  submitNotice(input: $input) { id status expedited items(first: 100) { totalCount nodes { id status } } }
}`;

function newKey() {
  return `console-${crypto.randomUUID()}`;
}

export function submitForm(ctx, container, { onSubmitted }) {
  const brand = ctx.viewer.brand;
  const listings = field(
    'Listings by id',
    h('textarea', { rows: 4, spellcheck: 'false', autocomplete: 'off', name: 'listings' }),
    'The listings to take down by their ids (as the API gives them, e.g. lst_…), one per line.',
  );
  const addresses = field(
    'Listings by address',
    h('textarea', { rows: 3, spellcheck: 'false', autocomplete: 'off', name: 'addresses' }),
    'And, or instead, by their marketplace addresses (a listing’s URL), one per line.',
  );
  const evidence = evidenceRows(ctx.schema.enums.EvidenceKind);
  const trademark = field('Trademark', h('select', { name: 'trademark' }, h('option', { value: '' }, 'Loading…')), 'The mark the listings infringe.');
  const reason = field('Reason', select(ctx.schema.enums.NoticeReason, { empty: 'Choose…' }));
  reason.control.name = 'reason';
  const explanation = field('Explanation', h('textarea', { rows: 5, name: 'explanation' }), 'Why the listings infringe the mark.');
  const goodFaith = h('input', { type: 'checkbox', name: 'goodFaith' });
  const declaration = field('I declare that this notice is accurate and made in good faith', goodFaith);
  declaration.row.classList.add('checkbox');
  const status = h('div', { class: 'form-status', role: 'status' });
  const button = h('button', { type: 'submit' }, 'Submit the notice');
  const fields = { listings, addresses, trademark, reason, explanation, goodFaithDeclaration: declaration };
  let key = newKey();

  // The form field an input path of the API names: `items` and `itemsByUrl` (the lists, or an
  // item's listing) name the listings' fields, an item's `trademarkId` the trademark, an item's
  // `evidence.M.…` the piece of evidence sent M-th.
  function fieldOf(path) {
    const [head, , leaf, ...rest] = path.split('.');
    if (head === 'items' || head === 'itemsByUrl') {
      if (leaf === 'trademarkId') return trademark;
      if (leaf === 'evidence') return evidence.fieldAt(rest.join('.')) ?? evidence.fieldAt('0.kind');
      return head === 'items' ? listings : addresses;
    }
    return fields[head] ?? null;
  }

  // "Line 2: …" for an error about one listing, so that the listing it names can be found.
  function textOf(error) {
    const path = error.extensions?.field || '';
    const m = /^(items|itemsByUrl)\.(\d+)\.(listingId|listingUrl)/.exec(path);
    const where = m ? `Line ${Number(m[2]) + 1}: ` : '';
    return `${where}${error.message} (${error.extensions?.code ?? 'ERROR'})`;
  }

  const form = h(
    'form',
    { class: 'submit-notice', novalidate: true, 'aria-labelledby': 'submit-h' },
    h('h2', { id: 'submit-h', tabindex: '-1' }, `New notice for ${brand.name}`),
    listings.row,
    addresses.row,
    trademark.row,
    reason.row,
    explanation.row,
    h('fieldset', { class: 'evidence-all' }, h('legend', null, 'Evidence, sent with every listing'), evidence.element),
    declaration.row,
    h('div', { class: 'buttons' }, button),
    status,
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    [...Object.values(fields), ...evidence.fields()].forEach((f) => setFieldError(f, null));
    fill(status);
    const ids = listings.control.value.split(/[\s,]+/).filter(Boolean);
    const urls = addresses.control.value.split(/\s+/).filter(Boolean);
    const pieces = evidence.values();
    const trademarkId = trademark.control.value;
    const input = {
      brandId: brand.id,
      reason: reason.control.value || null,
      explanation: explanation.control.value,
      goodFaithDeclaration: goodFaith.checked,
      items: ids.map((listingId) => ({ listingId, trademarkId, evidence: pieces })),
      itemsByUrl: urls.map((listingUrl) => ({ listingUrl, trademarkId, evidence: pieces })),
      idempotencyKey: key,
    };
    button.disabled = true;
    try {
      const data = await ctx.api.request(SUBMIT, { input });
      const notice = data.submitNotice;
      key = newKey();
      form.reset();
      fill(
        status,
        h('p', { class: 'ok' }, 'Notice submitted: ', h('code', null, notice.id), ` (${notice.status}${notice.expedited ? ', expedited' : ''}, ${notice.items.totalCount} item(s)). `),
        h('button', { type: 'button', class: 'secondary', onclick: () => onSubmitted(notice.id) }, 'Open it'),
      );
    } catch (err) {
      const errors = err instanceof ApiError ? err.errors : [{ message: String(err.message) }];
      const placed = new Map();
      const general = [];
      for (const e of errors) {
        const target = e.extensions?.field ? fieldOf(e.extensions.field) : null;
        if (target) placed.set(target, [...(placed.get(target) || []), textOf(e)]);
        else general.push(e);
      }
      for (const [target, texts] of placed) setFieldError(target, texts.join(' '));
      if (general.length) status.append(refusal(new ApiError(general)));
      const first = [...placed.keys()][0];
      if (first) first.control.focus();
    } finally {
      button.disabled = false;
    }
  });

  fill(container, form);
  form.querySelector('h2').focus();

  ctx.api.call(TRADEMARKS, { brand: brand.id }).then(({ data, errors }) => {
    const marks = data?.brand?.trademarks?.nodes;
    if (!marks) {
      fill(trademark.control, h('option', { value: '' }, 'No trademarks'));
      status.append(refusal(new ApiError(errors), 'The trademarks cannot be shown'));
      return;
    }
    fill(
      trademark.control,
      h('option', { value: '' }, 'Choose…'),
      marks.map((m) => h('option', { value: m.id }, `${m.mark} (${m.jurisdiction} ${m.registrationNumber}, ${m.status.replaceAll('_', ' ')})`)),
    );
  });
}
