/**
 * The picture of an analysis, as SVG built in code (pure and deterministic; src/slack/render-png.ts rasterizes it):
 *
 *   1. the causal chain on the service map: the services of the chain (root cause -> propagation -> bottleneck ->
 *      symptom) and the services between them, in columns by call depth from the symptom, arrows for calls, the
 *      chain's edges drawn heavy, every service coloured by its role;
 *   2. the proof trace's critical path next to the baseline trace's, on one time axis: one bar per step (its
 *      whole duration light, its own time dark), so where the time went is seen at a glance.
 *
 * Built from the report's typed fields (roles, serviceEdges, criticalPath, baselineCriticalPath) only. A panel
 * with nothing to draw is left out; a report with neither has no picture (pictureSvg answers undefined).
 */
import type { CausalRole, CriticalPathStep, RcaReport } from '../rca/contract.js';

const WIDTH = 1200;
const PAD = 24;
const FONT = 'DejaVu Sans';
const NODE_W = 190;
const NODE_H = 46;
const COL_GAP = 90;
const ROW_GAP = 22;
/** Services drawn at most (the chain first, then the services between, then neighbours). */
const MAX_NODES = 10;
/** Critical-path steps drawn per trace at most (the entry span and the steps with the most own time). */
const MAX_STEPS = 12;

const ROLE_COLOUR: Readonly<Record<CausalRole | 'other', string>> = {
  rootCause: '#c62828',
  propagation: '#ef6c00',
  bottleneck: '#6a1b9a',
  symptom: '#1565c0',
  other: '#90a4ae',
};
const ROLE_WORDS: Readonly<Record<CausalRole | 'other', string>> = {
  rootCause: 'root cause',
  propagation: 'propagation',
  bottleneck: 'bottleneck',
  symptom: 'symptom (alert)',
  other: '',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

const n1 = (v: number): string => (Math.round(v * 10) / 10).toFixed(1).replace(/\.0$/, '');

function text(
  x: number,
  y: number,
  s: string,
  o: { size?: number; weight?: 'bold'; fill?: string; anchor?: 'middle' | 'end' } = {},
): string {
  return `<text x="${n1(x)}" y="${n1(y)}" font-family="${FONT}" font-size="${o.size ?? 13}"${o.weight ? ` font-weight="${o.weight}"` : ''} fill="${o.fill ?? '#263238'}"${o.anchor ? ` text-anchor="${o.anchor}"` : ''}>${esc(s)}</text>`;
}

/** The role a service plays in the report (the first of root cause, bottleneck, propagation, symptom). */
function roleOf(report: RcaReport, service: string): CausalRole | 'other' {
  if (report.roles.rootCause.includes(service)) return 'rootCause';
  if (report.roles.bottleneck === service) return 'bottleneck';
  if (report.roles.propagation.includes(service)) return 'propagation';
  if (report.roles.symptom === service) return 'symptom';
  return 'other';
}

interface Graph {
  readonly nodes: readonly { readonly service: string; readonly col: number; readonly row: number }[];
  readonly edges: readonly { readonly caller: string; readonly callee: string; readonly chain: boolean }[];
}

/** Shortest undirected path between two services (BFS; neighbours in name order, so the result is stable). */
function pathBetween(adj: ReadonlyMap<string, readonly string[]>, from: string, to: string): string[] {
  const prev = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    if (at === to) break;
    for (const next of adj.get(at) ?? []) {
      if (prev.has(next)) continue;
      prev.set(next, at);
      queue.push(next);
    }
  }
  if (!prev.has(to)) return [];
  const out = [to];
  while (out[0] !== from) out.unshift(prev.get(out[0] as string) as string);
  return out;
}

function layoutGraph(report: RcaReport): Graph {
  const edges = [...(report.serviceEdges ?? [])].sort((a, b) =>
    a.caller === b.caller ? (a.callee < b.callee ? -1 : 1) : a.caller < b.caller ? -1 : 1,
  );
  const adj = new Map<string, string[]>();
  const callees = new Map<string, string[]>();
  for (const e of edges) {
    for (const [a, b] of [
      [e.caller, e.callee],
      [e.callee, e.caller],
    ] as const)
      adj.set(a, [...(adj.get(a) ?? []), b].sort());
    callees.set(e.caller, [...(callees.get(e.caller) ?? []), e.callee]);
  }
  const { symptom } = report.roles;
  const chain = [
    ...report.roles.rootCause,
    ...report.roles.propagation,
    ...(report.roles.bottleneck ? [report.roles.bottleneck] : []),
    symptom,
  ];
  const onChain = new Set<string>();
  for (const s of chain) for (const p of pathBetween(adj, symptom, s)) onChain.add(p);
  for (const s of chain) onChain.add(s);
  const picked = [...onChain].slice(0, MAX_NODES);
  const seen = new Set(picked);
  for (const s of [...picked]) {
    for (const nb of adj.get(s) ?? []) {
      if (picked.length >= MAX_NODES || seen.has(nb)) continue;
      seen.add(nb);
      picked.push(nb);
    }
  }
  // Columns: directed call depth from the symptom; services it does not reach: undirected distance; else last.
  const depth = new Map<string, number>([[symptom, 0]]);
  const queue = [symptom];
  while (queue.length > 0) {
    const at = queue.shift() as string;
    for (const next of callees.get(at) ?? []) {
      if (depth.has(next)) continue;
      depth.set(next, (depth.get(at) ?? 0) + 1);
      queue.push(next);
    }
  }
  for (const s of picked) {
    const hops = pathBetween(adj, symptom, s).length - 1;
    if (!depth.has(s) && hops > 0) depth.set(s, hops);
  }
  // Services the map does not connect to the symptom (or no map at all): placed by their role along the chain.
  const byRole: Record<CausalRole | 'other', number> = {
    symptom: 0,
    propagation: 1,
    rootCause: 2,
    bottleneck: 3,
    other: 4,
  };
  for (const s of picked) if (!depth.has(s)) depth.set(s, byRole[roleOf(report, s)]);
  const used = [...new Set(picked.map((s) => depth.get(s) ?? 0))].sort((a, b) => a - b);
  for (const s of picked) depth.set(s, used.indexOf(depth.get(s) ?? 0));
  const maxCol = Math.max(0, ...picked.map((s) => depth.get(s) ?? 0));
  const order: Record<CausalRole | 'other', number> = {
    symptom: 0,
    propagation: 1,
    rootCause: 2,
    bottleneck: 3,
    other: 4,
  };
  const byCol = new Map<number, string[]>();
  for (const s of picked) {
    const c = Math.min(depth.get(s) ?? maxCol, maxCol);
    byCol.set(c, [...(byCol.get(c) ?? []), s]);
  }
  const nodes: { service: string; col: number; row: number }[] = [];
  for (const [col, list] of [...byCol.entries()].sort((a, b) => a[0] - b[0])) {
    list
      .sort((a, b) => order[roleOf(report, a)] - order[roleOf(report, b)] || (a < b ? -1 : 1))
      .forEach((service, row) => nodes.push({ service, col, row }));
  }
  const kept = new Set(picked);
  return {
    nodes,
    edges: edges
      .filter((e) => kept.has(e.caller) && kept.has(e.callee))
      .map((e) => ({ ...e, chain: onChain.has(e.caller) && onChain.has(e.callee) })),
  };
}

/** Panel 1: the causal chain on the service map. Returns its SVG and height. */
function chainPanel(report: RcaReport, top: number): { svg: string; height: number } {
  const g = layoutGraph(report);
  const cols = Math.max(1, ...g.nodes.map((n) => n.col + 1));
  const rows = Math.max(1, ...g.nodes.map((n) => n.row + 1));
  const colW = Math.min(NODE_W + COL_GAP, (WIDTH - 2 * PAD) / cols);
  const nodeW = Math.min(NODE_W, colW - 30);
  const at = new Map(
    g.nodes.map((n) => [
      n.service,
      { x: PAD + n.col * colW + (colW - nodeW) / 2, y: top + 40 + n.row * (NODE_H + ROW_GAP) },
    ]),
  );
  const parts = [text(PAD, top + 18, 'Causal chain on the service map (arrows: calls)', { size: 16, weight: 'bold' })];
  for (const e of g.edges) {
    const a = at.get(e.caller);
    const b = at.get(e.callee);
    if (!a || !b) continue;
    const stroke = `fill="none" stroke="${e.chain ? '#37474f' : '#b0bec5'}" stroke-width="${e.chain ? 3 : 1.5}" marker-end="url(#${e.chain ? 'arrow-chain' : 'arrow'})"`;
    if (a.x === b.x) {
      // Same column: a curve out to the right, clear of the services stacked between them.
      const [x, ya, yb, bend] = [
        a.x + nodeW,
        a.y + NODE_H / 2,
        b.y + NODE_H / 2,
        18 + (10 * Math.abs(b.y - a.y)) / (NODE_H + ROW_GAP),
      ];
      parts.push(
        `<path d="M${n1(x)},${n1(ya)} C${n1(x + bend)},${n1(ya)} ${n1(x + bend)},${n1(yb)} ${n1(x)},${n1(yb)}" ${stroke}/>`,
      );
      continue;
    }
    const [x1, y1, x2, y2] =
      a.x < b.x
        ? [a.x + nodeW, a.y + NODE_H / 2, b.x, b.y + NODE_H / 2]
        : [a.x, a.y + NODE_H / 2, b.x + nodeW, b.y + NODE_H / 2];
    parts.push(`<line x1="${n1(x1)}" y1="${n1(y1)}" x2="${n1(x2)}" y2="${n1(y2)}" ${stroke}/>`);
  }
  for (const n of g.nodes) {
    const p = at.get(n.service) as { x: number; y: number };
    const role = roleOf(report, n.service);
    const colour = ROLE_COLOUR[role];
    const filled = role !== 'other';
    parts.push(
      `<rect x="${n1(p.x)}" y="${n1(p.y)}" width="${n1(nodeW)}" height="${NODE_H}" rx="8" fill="${filled ? colour : '#ffffff'}" stroke="${colour}" stroke-width="2"/>`,
    );
    const chars = Math.max(6, Math.floor(nodeW / 7.4));
    parts.push(
      text(p.x + nodeW / 2, p.y + (filled ? 20 : 28), cut(n.service, chars), {
        size: 13,
        weight: 'bold',
        fill: filled ? '#ffffff' : '#37474f',
        anchor: 'middle',
      }),
    );
    if (filled)
      parts.push(text(p.x + nodeW / 2, p.y + 37, ROLE_WORDS[role], { size: 11, fill: '#ffffff', anchor: 'middle' }));
  }
  return { svg: parts.join(''), height: 40 + rows * (NODE_H + ROW_GAP) + 10 };
}

/** The steps worth drawing: the entry span, then the ones with the most own time, shown in trace order. */
function stepsToDraw(path: readonly CriticalPathStep[]): { steps: CriticalPathStep[]; hidden: number } {
  if (path.length <= MAX_STEPS) return { steps: [...path], hidden: 0 };
  const ranked = path
    .map((s, i) => ({ s, i }))
    .slice(1)
    .sort((a, b) => b.s.exclusiveMs - a.s.exclusiveMs || a.i - b.i)
    .slice(0, MAX_STEPS - 1);
  const keep = new Set([0, ...ranked.map((r) => r.i)]);
  return { steps: path.filter((_, i) => keep.has(i)), hidden: path.length - keep.size };
}

const BAR_H = 18;
const LABEL_W = 330;

function tracePanel(report: RcaReport, top: number): { svg: string; height: number } | undefined {
  const proof = report.criticalPath ?? [];
  const base = report.baselineCriticalPath ?? [];
  if (proof.length === 0 && base.length === 0) return undefined;
  const end = (p: readonly CriticalPathStep[]) => Math.max(0, ...p.map((s) => s.startOffsetMs + s.durationMs));
  const span = Math.max(1, end(proof), end(base));
  const axisW = WIDTH - 2 * PAD - LABEL_W - 170;
  const xOf = (ms: number) => PAD + LABEL_W + (ms / span) * axisW;
  const parts = [
    text(PAD, top + 18, 'Critical path: proof trace next to the baseline (light: whole span, dark: own time)', {
      size: 16,
      weight: 'bold',
    }),
  ];
  let y = top + 36;
  const groups: Array<[string, readonly CriticalPathStep[], string | null]> = [
    ['Proof trace (during the incident)', proof, report.representativeTraceId],
    ['Baseline trace (before onset)', base, report.baselineTraceId],
  ];
  for (const [title, path, traceId] of groups) {
    const total = end(path);
    parts.push(
      text(
        PAD,
        y + 14,
        `${title}: ${path.length > 0 ? `${n1(total)} ms` : traceId ? 'its critical path is not recorded' : 'none found'}${traceId ? `  ·  trace ${traceId.slice(0, 16)}` : ''}`,
        { size: 13, weight: 'bold' },
      ),
    );
    y += 24;
    const { steps, hidden } = stepsToDraw(path);
    for (const s of steps) {
      const role = roleOf(report, s.service);
      const colour = ROLE_COLOUR[role];
      parts.push(text(PAD + 8, y + 13, cut(`${s.service} · ${s.operation}`, 44), { size: 12 }));
      const x = xOf(s.startOffsetMs);
      const w = Math.max(1, xOf(s.startOffsetMs + s.durationMs) - x);
      const own = Math.max(1, Math.min(w, (s.exclusiveMs / span) * axisW));
      parts.push(
        `<rect x="${n1(x)}" y="${n1(y)}" width="${n1(w)}" height="${BAR_H}" fill="${colour}" fill-opacity="0.25"/>`,
      );
      parts.push(`<rect x="${n1(x)}" y="${n1(y)}" width="${n1(own)}" height="${BAR_H}" fill="${colour}"/>`);
      parts.push(
        text(x + w + 6, y + 13, `${n1(s.durationMs)} ms (own ${n1(s.exclusiveMs)})`, { size: 11, fill: '#546e7a' }),
      );
      y += BAR_H + 6;
    }
    if (hidden > 0) {
      parts.push(text(PAD + 8, y + 12, `+ ${hidden} shorter steps not drawn`, { size: 11, fill: '#78909c' }));
      y += 20;
    }
    y += 10;
  }
  parts.push(`<line x1="${n1(xOf(0))}" y1="${n1(y)}" x2="${n1(xOf(span))}" y2="${n1(y)}" stroke="#90a4ae"/>`);
  for (const f of [0, 0.25, 0.5, 0.75, 1])
    parts.push(text(xOf(span * f), y + 16, `${n1(span * f)} ms`, { size: 11, fill: '#78909c', anchor: 'middle' }));
  return { svg: parts.join(''), height: y + 26 - top };
}

/** The whole picture (both panels, a title and a legend) or undefined when there is nothing to draw. */
export function pictureSvg(report: RcaReport, title: string): string | undefined {
  const hasGraph = (report.serviceEdges ?? []).length > 0 || report.roles.rootCause.length > 0;
  let y = PAD;
  const body: string[] = [text(PAD, y + 16, cut(title, 110), { size: 18, weight: 'bold' })];
  y += 28;
  const legend = (['rootCause', 'propagation', 'bottleneck', 'symptom'] as const).map((r, i) => {
    const x = PAD + i * 170;
    return `<rect x="${x}" y="${y}" width="14" height="14" rx="3" fill="${ROLE_COLOUR[r]}"/>${text(x + 20, y + 12, ROLE_WORDS[r], { size: 12 })}`;
  });
  body.push(...legend);
  y += 26;
  const panels = [hasGraph ? chainPanel(report, y) : undefined];
  if (panels[0]) y += panels[0].height + 16;
  const trace = tracePanel(report, y);
  if (trace) y += trace.height;
  if (!panels[0] && !trace) return undefined;
  const height = Math.ceil(y + PAD);
  const defs =
    '<defs>' +
    '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#b0bec5"/></marker>' +
    '<marker id="arrow-chain" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#37474f"/></marker>' +
    '</defs>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">${defs}` +
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>${body.join('')}${panels[0]?.svg ?? ''}${trace?.svg ?? ''}</svg>`
  );
}

/** The alt text of the picture (Slack shows it to screen readers): the chain in words. */
export function pictureAltText(report: RcaReport): string {
  const r = report.roles;
  const chain = [
    `root cause ${r.rootCause.join(', ') || 'unknown'}`,
    ...(r.propagation.length ? [`through ${r.propagation.join(', ')}`] : []),
    ...(r.bottleneck ? [`bottleneck ${r.bottleneck}`] : []),
    `symptom ${r.symptom}`,
  ];
  return cut(`Causal chain: ${chain.join(' -> ')}; critical path of the proof trace next to the baseline trace.`, 1000);
}
