// The references of one object as a small graph: the object in the middle, the objects its fields reference on a
// circle around it, each edge labelled with the field. Clicking a node opens that object.
const SVG = 'http://www.w3.org/2000/svg';

function svg(name, attributes = {}, ...children) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** A short name for a class: the part after the last dot (test/models/people.Person → Person). */
export function shortClass(className) {
  return className.slice(className.lastIndexOf('.') + 1);
}

function node(x, y, ref, center, open) {
  const label = `${shortClass(ref.className)} ${ref.id.slice(0, 8)}`;
  const width = label.length * 6.4 + 16;
  const g = svg('g', {
    class: center ? 'node center' : 'node',
    transform: `translate(${x - width / 2}, ${y - 12})`,
    'data-id': ref.id,
    tabindex: 0,
    role: 'link',
    'aria-label': `open ${label}`,
  });
  g.append(svg('rect', { width, height: 24 }), svg('text', { x: 8, y: 16 }, label));
  if (!center) {
    g.addEventListener('click', () => open(ref));
    g.addEventListener('keydown', (e) => e.key === 'Enter' && open(ref));
  }
  return g;
}

/**
 * Draws `center` and its `references` ({ ref, field } each) into the <svg> element `target`; `open(ref)` is called
 * with the reference a click chose.
 */
export function drawGraph(target, center, references, open) {
  target.replaceChildren();
  const { width, height } = target.getBoundingClientRect();
  const [cx, cy] = [width / 2, height / 2];
  const radius = Math.max(60, Math.min(width, height) / 2 - 40);
  const edges = svg('g');
  const nodes = svg('g');
  references.forEach(({ ref, fields }, i) => {
    const angle = (2 * Math.PI * i) / references.length - Math.PI / 2;
    const [x, y] = [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
    edges.append(
      svg('line', { class: 'edge', x1: cx, y1: cy, x2: x, y2: y }),
      svg('text', { class: 'label', x: (cx + x) / 2 + 4, y: (cy + y) / 2 - 4 }, fields.join(', ')),
    );
    nodes.append(node(x, y, ref, false, open));
  });
  nodes.append(node(cx, cy, center, true, open));
  if (references.length === 0) {
    nodes.append(svg('text', { class: 'label', x: cx - 60, y: cy + 36 }, 'references no other object'));
  }
  target.append(edges, nodes);
}
