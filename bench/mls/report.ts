/**
 * The written results of a benchmark run: a markdown report (tables by tree shape, message sizes,
 * heap, targets) and a hand-written SVG chart of time against group size, log-log, one line per
 * implementation and operation (no dependency).
 */
import type { BenchReport } from './cli.js';
import { OPS, type Impl, type OpName, type Result } from './types.js';

const fmtMs = (ms: number): string =>
  ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`;
const fmtBytes = (n: number): string =>
  n >= 10 * 2 ** 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 10 * 1024 ? `${(n / 1024).toFixed(0)} KiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
const num = (n: number): string => n.toLocaleString('en-US');

function sizesOf(results: readonly Result[], tree: Result['tree']): number[] {
  return [...new Set(results.filter((r) => r.tree === tree).map((r) => r.members))].sort((a, b) => a - b);
}

function find(results: readonly Result[], impl: Impl, op: OpName, tree: Result['tree'], members: number): Result | undefined {
  return results.find((r) => r.impl === impl && r.op === op && r.tree === tree && r.members === members);
}

export function renderMarkdown(r: BenchReport): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push('# mlskit benchmark');
  lines.push('');
  lines.push(
    `${String(m['cpu'])} × ${String(m['cores'])} cores, ${String(m['memory_gib'])} GiB, ${String(m['os'])}; Node ${r.node}, OpenSSL ${r.openssl}; ` +
      `suite ${r.suite.id} (${r.suite.name})${r.ts_mls !== undefined ? `; ts-mls ${r.ts_mls}` : ''}; ${r.date.slice(0, 10)}; load average ${(m['loadavg_start'] as number[]).join(' ')} at the start, ` +
      `${((m['loadavg_end'] as number[] | undefined) ?? []).join(' ')} at the end; wall time ${r.wall_s ?? '?'} s (\`${r.command}\`).`,
  );
  lines.push('');
  lines.push('Median time of each operation (min–max in results.json), on a fresh copy of a prebuilt group\'s state; only the operation is timed, after a warm-up run whose output is checked. The machine is shared and noisy: treat differences below ~30 % as noise.');
  lines.push('');
  lines.push('![time against group size](chart.svg)');
  lines.push('');
  for (const tree of ['full', 'sparse'] as const) {
    const sizes = sizesOf(r.results, tree);
    if (sizes.length === 0) continue;
    const vs = r.results.some((x) => x.tree === tree && x.impl === 'ts-mls');
    lines.push(`## ${tree === 'full' ? 'Full tree (every parent set: a Commit encrypts to ~log2 n nodes)' : 'Sparse tree (members added, never updated: a Commit encrypts to ~n leaves)'}`);
    lines.push('');
    lines.push(`| op | ${sizes.map(num).join(' | ')} |`);
    lines.push(`|---|${sizes.map(() => '---:').join('|')}|`);
    for (const op of OPS) {
      if (!r.results.some((x) => x.tree === tree && x.op === op)) continue;
      const cells = sizes.map((n) => {
        const ours = find(r.results, 'mlskit', op, tree, n);
        const theirs = find(r.results, 'ts-mls', op, tree, n);
        if (ours === undefined) return '–';
        if (!vs || theirs === undefined) return fmtMs(ours.median_ms);
        const x = theirs.median_ms / ours.median_ms;
        return `${fmtMs(ours.median_ms)} vs ${fmtMs(theirs.median_ms)} (**${x.toFixed(x >= 10 ? 0 : 1)}×**${theirs.note !== undefined ? '†' : ''})`;
      });
      lines.push(`| ${op} | ${cells.join(' | ')} |`);
    }
    if (vs) {
      lines.push('');
      lines.push('Cells with two values: mlskit vs ts-mls (ratio ts-mls / mlskit), measured in the same process, runs alternating.');
      const notes = [...new Set(r.results.filter((x) => x.tree === tree && x.note !== undefined).map((x) => `${x.impl} ${x.op}: ${x.note!}`))];
      for (const n of notes) lines.push(`† ${n}.`);
    }
    lines.push('');
  }

  lines.push('## Message sizes (mlskit)');
  lines.push('');
  lines.push('| tree | members | op | sizes |');
  lines.push('|---|---:|---|---|');
  for (const tree of ['full', 'sparse'] as const) {
    for (const n of sizesOf(r.results, tree)) {
      for (const op of ['commit', 'add', 'join', 'app', 'snapshot'] as const) {
        const x = find(r.results, 'mlskit', op, tree, n);
        if (x === undefined) continue;
        lines.push(`| ${tree} | ${num(n)} | ${op} | ${Object.entries(x.bytes).map(([k, v]) => `${k} ${fmtBytes(v)}`).join(', ')} |`);
      }
    }
  }
  lines.push('');

  if (r.heap.length > 0) {
    lines.push('## Heap held per member');
    lines.push('');
    lines.push('One member\'s state loaded from its snapshot (tree-hash cache filled), measured in a child process with `--expose-gc`: growth of V8 heap + ArrayBuffer storage, divided by the member count.');
    lines.push('');
    lines.push('| impl | tree | members | per member | V8 heap | buffers | load |');
    lines.push('|---|---|---:|---:|---:|---:|---:|');
    for (const h of r.heap) lines.push(`| ${h.impl} | ${h.tree} | ${num(h.members)} | ${fmtBytes(h.bytes_per_member)} | ${fmtBytes(h.heap_used_per_member)} | ${fmtBytes(h.array_buffers_per_member)} | ${fmtMs(h.load_ms)} |`);
    lines.push('');
  }

  if (r.targets.length > 0) {
    lines.push('## Targets');
    lines.push('');
    lines.push('| target | measured | met |');
    lines.push('|---|---|:-:|');
    for (const t of r.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? '?' : t.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }

  lines.push('## Operations');
  lines.push('');
  for (const [op, d] of Object.entries(r.ops)) lines.push(`- **${op}**: ${d}`);
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#ff7f0e', '#7f7f7f', '#393b79'];
const OP_COLOR: Readonly<Record<OpName, string>> = Object.fromEntries(OPS.map((op, i) => [op, PALETTE[i % PALETTE.length]!])) as Record<OpName, string>;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function decadeLabel(v: number): string {
  if (v >= 1000) return `${v / 1000} s`;
  if (v >= 1) return `${v} ms`;
  return `${Math.round(v * 1000)} µs`;
}

/** One panel per tree shape: x = members (log2), y = median ms (log10). */
export function renderChart(r: BenchReport): string {
  const trees = (['full', 'sparse'] as const).filter((t) => r.results.some((x) => x.tree === t));
  const W = 980;
  const PH = 430;
  const H = 40 + trees.length * PH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="20" y="24" font-size="15" font-weight="bold">${esc(`MLS operations against group size (suite ${r.suite.id}, ${String(r.machine['cpu'])} × ${String(r.machine['cores'])}, Node ${r.node})`)}</text>`);
  trees.forEach((tree, pi) => {
    const top = 40 + pi * PH;
    const L = 70;
    const R = 770;
    const T = top + 30;
    const B = top + PH - 50;
    const rs = r.results.filter((x) => x.tree === tree && x.median_ms > 0);
    const xs = rs.map((x) => Math.log2(x.members));
    const ys = rs.map((x) => Math.log10(x.median_ms));
    const x0 = Math.floor(Math.min(...xs));
    const x1 = Math.ceil(Math.max(...xs));
    const y0 = Math.floor(Math.min(...ys));
    const y1 = Math.ceil(Math.max(...ys));
    const sx = (n: number) => L + ((Math.log2(n) - x0) / Math.max(1, x1 - x0)) * (R - L);
    const sy = (v: number) => B - ((Math.log10(v) - y0) / Math.max(1, y1 - y0)) * (B - T);
    out.push(`<text x="${L}" y="${top + 18}" font-size="13" font-weight="bold">${tree === 'full' ? 'Full tree (every parent set)' : 'Sparse tree (members added, never updated)'}</text>`);
    // grid and axes
    for (let d = y0; d <= y1; d++) {
      const v = 10 ** d;
      const y = sy(v);
      out.push(`<line x1="${L}" y1="${y.toFixed(1)}" x2="${R}" y2="${y.toFixed(1)}" stroke="#e3e3e3"/>`);
      out.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#444">${decadeLabel(v)}</text>`);
    }
    for (let k = x0; k <= x1; k++) {
      const x = sx(2 ** k);
      out.push(`<line x1="${x.toFixed(1)}" y1="${T}" x2="${x.toFixed(1)}" y2="${B}" stroke="#efefef"/>`);
      const label = 2 ** k >= 1024 ? `${(2 ** k / 1024).toFixed(0)}Ki` : String(2 ** k);
      out.push(`<text x="${x.toFixed(1)}" y="${B + 16}" text-anchor="middle" fill="#444">${label}</text>`);
    }
    out.push(`<rect x="${L}" y="${T}" width="${R - L}" height="${B - T}" fill="none" stroke="#888"/>`);
    out.push(`<text x="${(L + R) / 2}" y="${B + 34}" text-anchor="middle">members (log scale; Ki = 1,024)</text>`);
    out.push(`<text transform="translate(${L - 52},${(T + B) / 2}) rotate(-90)" text-anchor="middle">median time (log scale)</text>`);
    // series
    const legend: string[] = [];
    for (const impl of ['mlskit', 'ts-mls'] as const) {
      for (const op of OPS) {
        const pts = rs.filter((x) => x.impl === impl && x.op === op).sort((a, b) => a.members - b.members);
        if (pts.length === 0) continue;
        const color = OP_COLOR[op];
        const dash = impl === 'ts-mls' ? ' stroke-dasharray="6 4"' : '';
        const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.members).toFixed(1)},${sy(p.median_ms).toFixed(1)}`).join(' ');
        out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}><title>${esc(`${impl} ${op}`)}</title></path>`);
        for (const p of pts) {
          const shape =
            impl === 'ts-mls'
              ? `<rect x="${(sx(p.members) - 3).toFixed(1)}" y="${(sy(p.median_ms) - 3).toFixed(1)}" width="6" height="6" fill="#fff" stroke="${color}" stroke-width="1.5">`
              : `<circle cx="${sx(p.members).toFixed(1)}" cy="${sy(p.median_ms).toFixed(1)}" r="3" fill="${color}">`;
          out.push(`${shape}<title>${esc(`${impl} ${op}, ${p.members} members: ${fmtMs(p.median_ms)}`)}</title>${impl === 'ts-mls' ? '</rect>' : '</circle>'}`);
        }
        legend.push(`${impl}|${op}`);
      }
    }
    // legend: one entry per op (color), plus the line style of each implementation
    let ly = T + 4;
    const opsShown = OPS.filter((op) => rs.some((x) => x.op === op));
    for (const op of opsShown) {
      out.push(`<line x1="${R + 16}" y1="${ly + 6}" x2="${R + 40}" y2="${ly + 6}" stroke="${OP_COLOR[op]}" stroke-width="3"/>`);
      out.push(`<text x="${R + 46}" y="${ly + 10}">${esc(op)}</text>`);
      ly += 18;
    }
    if (legend.some((l) => l.startsWith('ts-mls'))) {
      ly += 8;
      out.push(`<line x1="${R + 16}" y1="${ly + 6}" x2="${R + 40}" y2="${ly + 6}" stroke="#333" stroke-width="2"/><circle cx="${R + 28}" cy="${ly + 6}" r="3" fill="#333"/>`);
      out.push(`<text x="${R + 46}" y="${ly + 10}">mlskit</text>`);
      ly += 18;
      out.push(`<line x1="${R + 16}" y1="${ly + 6}" x2="${R + 40}" y2="${ly + 6}" stroke="#333" stroke-width="2" stroke-dasharray="6 4"/><rect x="${R + 25}" y="${ly + 3}" width="6" height="6" fill="#fff" stroke="#333"/>`);
      out.push(`<text x="${R + 46}" y="${ly + 10}">ts-mls ${esc(r.ts_mls ?? '')}</text>`);
    }
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
