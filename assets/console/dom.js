// Building the page: every element is made with createElement and every piece of text is a text
// node, so that nothing the API returns (a listing's title, a seller's name, a message) is ever
// parsed as HTML. The page's CSP enforces it too: with Trusted Types and no policy, every sink
// that parses HTML from a string throws (and tests/api/console.rs finds none in these files).

const SVG_NS = 'http://www.w3.org/2000/svg';

// Sets `attrs` on `el`: `class`, `text` (its text), `on<event>` (a listener), `dataset` (an
// object), a property the element has (value, checked, disabled, htmlFor ...), else an attribute.
function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') {
      el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (['value', 'checked', 'disabled', 'selected', 'htmlFor', 'hidden', 'required'].includes(name)) {
      el[name] = value;
    } else if (name === 'for') {
      el.htmlFor = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// An HTML element: h('p', { class: 'note' }, 'text', otherElement).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

// An SVG element, with attributes only.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (name === 'class') el.setAttribute('class', value);
    else if (name === 'text') el.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, String(value));
  }
  return append(el, children);
}

// Replaces the children of `el` with `children`.
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let ids = 0;
// A fresh id for an element (labels name their fields by id).
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

// An instant of the API (RFC 3339, UTC) as a <time>, shown to the minute in UTC.
export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const text = `${String(iso).replace('T', ' ').slice(0, 16)} UTC`;
  return h('time', { datetime: iso, title: iso }, text);
}

// A state name (an enum value of the API) as a badge; its class gives its colour.
export function badge(value) {
  return h('span', { class: ['badge', `b-${String(value).toLowerCase()}`] }, String(value).replaceAll('_', ' '));
}

// A labelled form field: the label, the control, and a place for the API's error about it.
// Returns { row, control, error }.
export function field(label, control, hint) {
  const id = control.id || uid('f');
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  const help = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  control.setAttribute('aria-describedby', [help && help.id, error.id].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), control, help, error);
  return { row, control, error };
}

// Shows `message` as the error of a field made by `field`, or clears it (message null).
export function setFieldError(f, message) {
  if (message) {
    f.error.textContent = message;
    f.error.hidden = false;
    f.control.setAttribute('aria-invalid', 'true');
  } else {
    f.error.textContent = '';
    f.error.hidden = true;
    f.control.removeAttribute('aria-invalid');
  }
}

// A <select> of `values` ({ name, description }), with an optional first choice.
export function select(values, { empty, selected } = {}) {
  const el = h('select');
  if (empty !== undefined) el.append(h('option', { value: '' }, empty));
  for (const v of values) {
    el.append(h('option', { value: v.name, title: v.description || '', selected: v.name === selected }, v.name));
  }
  return el;
}

// A table with a caption, a header row and `rows` (arrays of cells: text or elements).
export function table(caption, headers, rows) {
  return h(
    'table',
    null,
    h('caption', null, caption),
    h('thead', null, h('tr', null, headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell) => h('td', null, cell))))),
  );
}

// A definition list of [term, value] pairs.
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

// Offers `text` as a file named `name` for download.
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
