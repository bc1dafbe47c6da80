// The console's page: plain DOM and ES modules, no framework and no build step. It polls the backends every
// 2 s, pages through the objects, shows one object (#/object/<backend>/<id>) and listens to the lifecycle events.
import { drawGraph, shortClass } from './graph.js';

const $ = (selector) => document.querySelector(selector);
const PAGE = 25;
const state = { offset: 0, filter: {}, classes: [], backends: [] };

function el(name, props = {}, ...children) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

async function api(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  const response = await fetch(`/api/${path}?${query}`);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? response.statusText);
  return body;
}

const number = (n, digits = 0) => (n === undefined ? '—' : n.toLocaleString('en', { maximumFractionDigits: digits }));
const bytes = (n) => (n === undefined ? '—' : `${(n / 1048576).toFixed(1)} MiB`);
const cell = (text, className) => el('td', { className: className ?? '' }, String(text));

function objectLink(id, backend, text = id.slice(0, 8)) {
  return el('a', { href: `#/object/${encodeURIComponent(backend)}/${encodeURIComponent(id)}`, className: 'id' }, text);
}

// backends

async function refreshBackends() {
  try {
    const rows = await api('backends');
    state.backends = rows;
    $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('#backends tbody').replaceChildren(
      ...rows.map((b) =>
        el(
          'tr',
          { dataset: { backend: b.id } },
          cell(b.id),
          el('td', { className: b.live ? 'live' : 'gone' }, b.live ? 'live' : 'gone'),
          cell(`${b.host} / ${b.pid}`),
          cell(number(b.stats?.loaded), 'num'),
          cell(number(b.stats?.stored), 'num'),
          cell(bytes(b.stats?.rss), 'num'),
          cell(number(b.rates?.requests, 1), 'num'),
          cell(number(b.rates?.errors, 1), 'num'),
          cell(b.rates ? `${(b.rates.cpu * 100).toFixed(0)} %` : '—', 'num'),
          cell(b.classes.length, 'num'),
        ),
      ),
    );
    fillOptions(
      'backend',
      rows.map((b) => b.id),
    );
    fillOptions('class', [...new Set(rows.flatMap((b) => b.classes))].sort());
  } catch (err) {
    $('#status').textContent = `cannot reach the cluster: ${err.message}`;
  }
}

function fillOptions(name, values) {
  const select = $(`#filters [name=${name}]`);
  const known = [...select.options].map((o) => o.value).slice(1);
  if (known.join('\n') === values.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'any'), ...values.map((v) => el('option', { value: v }, v)));
  select.value = values.includes(chosen) ? chosen : '';
}

// objects

async function refreshObjects() {
  const page = await api('objects', { ...state.filter, offset: state.offset, limit: PAGE });
  $('#objects tbody').replaceChildren(
    ...page.objects.map((o) =>
      el(
        'tr',
        { dataset: { id: o.id }, onclick: () => (location.hash = `#/object/${o.master}/${o.id}`) },
        el('td', {}, objectLink(o.id, o.master)),
        cell(shortClass(o.className)),
        cell(o.dataset),
        cell(o.master),
        cell(o.replicas.join(', ') || '—'),
        el('td', {}, o.original ? objectLink(o.original, o.master) : '—'),
      ),
    ),
  );
  $('#page').textContent = page.objects.length
    ? `${page.offset + 1}–${page.offset + page.objects.length}${page.more ? '' : ' (end)'}`
    : 'no objects';
  $('#prev').disabled = page.offset === 0;
  $('#next').disabled = !page.more;
}

$('#filters').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  state.filter = { class: form.get('class'), dataset: form.get('dataset'), backend: form.get('backend') };
  state.offset = 0;
  void refreshObjects();
});
$('#prev').addEventListener('click', () => {
  state.offset = Math.max(0, state.offset - PAGE);
  void refreshObjects();
});
$('#next').addEventListener('click', () => {
  state.offset += PAGE;
  void refreshObjects();
});

// one object

function renderValue(v) {
  if (v === null || typeof v !== 'object') return el('code', {}, JSON.stringify(v));
  if (Array.isArray(v)) return list('[', ']', v.map(renderValue));
  switch (v.$) {
    case 'ref':
      return objectLink(v.id, v.backendId ?? '', `${shortClass(v.className)} ${v.id.slice(0, 8)}`);
    case 'list':
      return list('[', `… ${v.more} more]`, v.items.map(renderValue));
    case 'set':
      return list('Set {', v.more ? `… ${v.more} more}` : '}', v.items.map(renderValue));
    case 'map':
      return list(
        'Map {',
        v.more ? `… ${v.more} more}` : '}',
        v.entries.map(([k, x]) => el('span', {}, renderValue(k), ' → ', renderValue(x))),
      );
    case 'object':
      return list(
        `${v.className} {`,
        '}',
        Object.entries(v.fields).map(([k, x]) => el('span', {}, `${k}: `, renderValue(x))),
      );
    default:
      return el('code', { className: 'muted' }, v.text);
  }
}

function list(open, close, items) {
  const out = el('span', {}, open);
  items.forEach((item, i) => out.append(i ? ', ' : '', item));
  out.append(close);
  return out;
}

/** For the graph: each referenced object once, with the fields that reference it. */
function referencesByField(fields) {
  const found = new Map();
  const walk = (v, field) => {
    if (v === null || typeof v !== 'object') return;
    if (v.$ === 'ref') {
      const entry = found.get(v.id) ?? { ref: v, fields: [] };
      if (!entry.fields.includes(field)) entry.fields.push(field);
      found.set(v.id, entry);
      return;
    }
    for (const inner of Array.isArray(v) ? v : [v.items, v.entries, v.fields && Object.values(v.fields)].flat()) {
      walk(inner, field);
    }
  };
  for (const [field, v] of Object.entries(fields)) walk(v, field);
  return [...found.values()];
}

async function showObject(backend, id) {
  const section = $('#detail-section');
  section.hidden = false;
  $('#detail-id').textContent = id;
  try {
    const o = await api('object', { id, backend });
    const md = o.metadata;
    const meta = [
      ['class', md.className],
      ['dataset', md.dataset],
      ['owner', md.master],
      ['replicas', md.replicas.join(', ') || '—'],
      ['aliases', o.aliases.join(', ') || '—'],
    ];
    if (md.original) meta.push(['version of', objectLink(md.original, md.master)]);
    $('#detail-meta').replaceChildren(...meta.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
    $('#fields tbody').replaceChildren(
      ...Object.entries(o.fields).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, renderValue(v)))),
    );
    const center = { id: md.id, className: md.className, backendId: md.master };
    drawGraph($('#graph'), center, referencesByField(o.fields), (ref) => {
      location.hash = `#/object/${encodeURIComponent(ref.backendId ?? md.master)}/${encodeURIComponent(ref.id)}`;
    });
    section.scrollIntoView({ block: 'nearest' });
  } catch (err) {
    $('#detail-meta').replaceChildren(el('dt', {}, 'error'), el('dd', {}, err.message));
    $('#fields tbody').replaceChildren();
    $('#graph').replaceChildren();
  }
}

function route() {
  const match = /^#\/object\/([^/]*)\/(.+)$/.exec(location.hash);
  if (match) void showObject(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
  else $('#detail-section').hidden = true;
}
window.addEventListener('hashchange', route);

// events

function describe(e) {
  const ids = e.ids.map((id) => objectLink(id, e.kind === 'move' || e.kind === 'replica' ? e.to : e.backendId));
  const what = el('span', {}, ...ids.flatMap((a, i) => (i ? [', ', a] : [a])));
  if (e.count > e.ids.length) what.append(` and ${e.count - e.ids.length} more`);
  const to = { move: ' → ', replica: ' copied to ', version: ' new version ', consolidate: ' into ' }[e.kind];
  return el(
    'li',
    { dataset: { kind: e.kind } },
    el('span', { className: 'muted' }, `${new Date(e.at).toLocaleTimeString()} `),
    el('span', { className: 'kind' }, e.kind),
    `${e.backendId}: `,
    what,
    to && e.to ? `${to}${e.to}` : '',
  );
}

new EventSource('/api/events').addEventListener('message', (message) => {
  const batch = JSON.parse(message.data);
  $('#events').prepend(...batch.reverse().map(describe));
  while ($('#events').children.length > 200) $('#events').lastChild.remove();
  if (batch.some((e) => e.kind !== 'persist') || state.offset === 0) void refreshObjects();
});

await refreshBackends();
setInterval(refreshBackends, 2_000);
await refreshObjects();
route();
