/**
 * `mls bench`: MLS operations on prebuilt groups of up to 100,000+ members (STYLE.md principle 15),
 * optionally against ts-mls in the same process run.
 *
 *   mls bench [--members LIST] [--tree full|sparse] [--ops LIST] [--suite ID] [--vs ts-mls]
 *             [--vs-max N] [--runs N] [--json FILE] [--results DIR] [--no-heap]
 *
 * For each tree shape and group size: load (or build once, cached under bench/.fixtures/) the
 * group, then for each operation run it on a fresh copy of the state — one warm-up run, whose
 * output is checked, then timed runs, alternating between the implementations — and report the
 * median, min and max (ms), and the message sizes. Only the operation is timed. Then the heap one
 * loaded member holds, measured in a child process started with --expose-gc.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem, type as osType } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIPHER_SUITES, isCipherSuiteId } from '../../src/crypto/cipher-suite.js';
import { buildFixture, getFixture, packageRoot, writeFixture, type Progress, type TreeShape } from './fixture.js';
import { openMlskit } from './ops-mlskit.js';
import { openTsMls, tsMlsFixture, tsMlsFixturePath, tsMlsVersion } from './ops-tsmls.js';
import { renderChart, renderMarkdown } from './report.js';
import { evaluateTargets, type TargetResult } from './targets.js';
import { OP_DESCRIPTIONS, OPS, type HeapResult, type Impl, type OpCase, type OpName, type Result, type Session } from './types.js';

const USAGE = `usage: mls bench [--members LIST] [--tree full|sparse] [--ops LIST] [--suite ID] [--vs ts-mls]
                 [--vs-max N] [--runs N] [--json FILE] [--results DIR] [--no-heap]

  --members LIST   group sizes, comma-separated (default: full 256,1024,4096,16384,131072;
                   sparse 256,1024,4096)
  --tree SHAPE     full (every parent set: a Commit encrypts to ~log2 n nodes) or sparse (members
                   added, never updated: ~n leaves); default both
  --ops LIST       ${OPS.join(', ')}
                   (add-many runs add-many-10, -100 and -1000; default all)
  --suite ID       cipher suite (default 1)
  --vs ts-mls      also run ts-mls (sparse trees, sizes up to --vs-max, default 4096), interleaved
  --runs N         timed runs per measurement (default: about 1 s worth, 5 to 41; 3 for
                   operations of half a second or more), after one checked warm-up run (none
                   when the previous group size predicts over 2 s: the first run is checked)
  --json FILE      write the results as JSON
  --results DIR    write DIR/results.json, DIR/results.md and DIR/chart.svg
  --no-heap        skip the heap-per-member measurement
`;

export interface BenchOptions {
  suite: number;
  trees: TreeShape[];
  members: Record<TreeShape, number[]>;
  ops: OpName[];
  vs: boolean;
  vsMax: number;
  runs: number | undefined;
  json: string | undefined;
  results: string | undefined;
  heap: boolean;
}

const DEFAULT_MEMBERS: Record<TreeShape, number[]> = { full: [256, 1024, 4096, 16384, 131072], sparse: [256, 1024, 4096] };

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(k|m)?$/i.exec(s.trim());
  if (m === null) throw new Error(`not a group size: ${s}`);
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1000 : m[2]?.toLowerCase() === 'm' ? 1_000_000 : 1);
  if (!Number.isInteger(n) || n < 2 || n > 1 << 20) throw new Error(`group size ${s} out of range [2, 2^20]`);
  return n;
}

export function parseArgs(args: readonly string[]): BenchOptions | 'help' {
  const o: BenchOptions = { suite: 1, trees: ['full', 'sparse'], members: { ...DEFAULT_MEMBERS }, ops: [...OPS], vs: false, vsMax: 4096, runs: undefined, json: undefined, results: undefined, heap: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--members': {
        const list = value().split(',').map(parseSize);
        o.members = { full: list, sparse: list };
        break;
      }
      case '--tree': {
        const v = value().split(',');
        if (!v.every((t) => t === 'full' || t === 'sparse')) throw new Error('--tree is full or sparse');
        o.trees = v as TreeShape[];
        break;
      }
      case '--ops': {
        const out: OpName[] = [];
        for (const name of value().split(',')) {
          if (name === 'add-many') out.push('add-many-10', 'add-many-100', 'add-many-1000');
          else if ((OPS as readonly string[]).includes(name)) out.push(name as OpName);
          else throw new Error(`unknown op '${name}' (known: ${OPS.join(', ')}, add-many)`);
        }
        o.ops = OPS.filter((x) => out.includes(x));
        break;
      }
      case '--suite': {
        const id = Number(value());
        if (!isCipherSuiteId(id)) throw new Error(`unknown cipher suite ${id}`);
        o.suite = id;
        break;
      }
      case '--vs': {
        const v = value();
        if (v !== 'ts-mls') throw new Error(`--vs supports ts-mls only, not '${v}'`);
        o.vs = true;
        break;
      }
      case '--vs-max':
        o.vsMax = parseSize(value());
        break;
      case '--runs': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) throw new Error('--runs needs a positive integer');
        o.runs = n;
        break;
      }
      case '--json':
        o.json = value();
        break;
      case '--results':
        o.results = value();
        break;
      case '--no-heap':
        o.heap = false;
        break;
      case '-h':
      case '--help':
        return 'help';
      default:
        throw new Error(`unknown option '${a}'`);
    }
  }
  for (const t of o.trees) o.members[t] = [...new Set(o.members[t])].sort((a, b) => a - b);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Output helpers

const err = (s: string): void => {
  process.stderr.write(s);
};

/** A progress line on stderr for fixture builds that take more than a second. */
function progressLine(label: string): Progress {
  const start = performance.now();
  let last = -1;
  let lastPct = -1;
  return (phase, done, total) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const now = performance.now();
    if (now - start < 1000) return;
    if (process.stderr.isTTY) {
      if (pct === lastPct || (now - last < 200 && pct < 100)) return;
      err(`\r  building ${label}: ${phase} ${pct}%\x1b[K`);
    } else {
      if (Math.floor(pct / 10) === Math.floor(lastPct / 10) && now - last < 10_000) return;
      err(`  building ${label}: ${phase} ${pct}%\n`);
    }
    last = now;
    lastPct = pct;
  };
}

function endProgress(): void {
  if (process.stderr.isTTY) err('\r\x1b[K');
}

export function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

export function fmtBytes(n: number): string {
  if (n >= 10 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(0)} MiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 10 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

const COLS = [7, 8, 14, 26, 26, 9, 6];
function row(cells: string[]): string {
  return cells.map((c, i) => (i < COLS.length ? (i <= 2 ? c.padEnd(COLS[i]!) : c.padStart(COLS[i]!)) : c)).join('  ');
}

function cell(r: Result | undefined): string {
  if (r === undefined) return '–';
  return `${fmtMs(r.median_ms)} (${fmtMs(r.min_ms)}–${fmtMs(r.max_ms)})`;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Candidate {
  readonly impl: Impl;
  readonly c: OpCase;
}

type Gc = (options?: { type: 'minor' | 'major' }) => void;
const gc: Gc | undefined = (globalThis as { gc?: Gc }).gc;

/** A young-generation collection (cheap): the garbage a previous run of the other implementation left. */
function minorGc(): void {
  gc?.({ type: 'minor' });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Timed runs when --runs is not given, from the warm-up run's time: about 1 s of runs, at least 5
 * (3 for operations of half a second or more), at most 41.
 */
export function defaultRuns(estimateMs: number): number {
  if (estimateMs >= 500) return 3;
  return Math.max(5, Math.min(41, Math.round(1000 / Math.max(estimateMs, 0.01))));
}

/** A full collection, then a pause for V8's concurrent sweeping, so that it does not run inside a timed run. */
export async function settleHeap(pauseMs = 20): Promise<void> {
  if (gc === undefined) return;
  gc();
  await new Promise((r) => setTimeout(r, pauseMs));
}

/** What a candidate's previous measurement predicts (same impl, op and tree, a smaller group). */
export type Prediction = (impl: Impl) => number | undefined;

/**
 * One warm-up run per candidate, whose output is checked and whose time sets the run count (extra
 * untimed runs for fast operations until the JIT has settled), then the timed runs, alternating
 * between candidates. An operation predicted (from the previous group size) to take over 2 s gets
 * no separate warm-up — the code is warm from the smaller group — and its first timed run is the
 * one checked. A full collection precedes each run of an operation slower than 30 ms; when two
 * implementations alternate, a young-generation one precedes the faster runs (one implementation
 * must not pay for the other's garbage).
 */
async function measure(cands: readonly Candidate[], runsOpt: number | undefined, predict: Prediction): Promise<Map<Impl, { samples: number[]; bytes: Record<string, number> }>> {
  const out = new Map<Impl, { samples: number[]; bytes: Record<string, number> }>();
  const estimate = new Map<Impl, number>();
  const unchecked = new Set<Impl>();
  const interleaved = cands.length > 1;
  for (const { impl, c } of cands) {
    const predicted = predict(impl);
    if (predicted !== undefined && predicted > 2000) {
      estimate.set(impl, predicted);
      out.set(impl, { samples: [], bytes: {} });
      unchecked.add(impl);
      continue;
    }
    await settleHeap();
    const input = await c.prepare();
    const t0 = performance.now();
    const output = await c.run(input);
    const t = performance.now() - t0;
    const bytes = await c.check(output, input);
    estimate.set(impl, t);
    out.set(impl, { samples: [], bytes });
    // Fast operations: warm the JIT for ~100 ms more (untimed).
    if (t < 20) {
      const until = performance.now() + 100;
      for (let i = 0; i < 500 && performance.now() < until; i++) await c.run(await c.prepare());
    }
  }
  const runs = new Map<Impl, number>();
  for (const { impl } of cands) runs.set(impl, runsOpt ?? defaultRuns(estimate.get(impl)!));
  const most = Math.max(...runs.values());
  for (let i = 0; i < most; i++) {
    for (const { impl, c } of cands) {
      if (i >= runs.get(impl)!) continue;
      const input = await c.prepare();
      const est = estimate.get(impl)!;
      if (est > 30) await settleHeap(est > 1000 ? 100 : 5);
      else if (interleaved) minorGc();
      const t0 = performance.now();
      const output = await c.run(input);
      out.get(impl)!.samples.push(performance.now() - t0);
      if (unchecked.delete(impl)) out.get(impl)!.bytes = await c.check(output, input);
    }
  }
  return out;
}

function measureHeap(impl: Impl, suite: number, tree: TreeShape, members: number): HeapResult | undefined {
  const self = fileURLToPath(import.meta.url);
  const script = join(dirname(self), `heap${extname(self)}`);
  const args = [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc', script, impl, String(suite), tree, String(members), impl === 'ts-mls' ? tsMlsFixturePath(suite, members) : ''];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    err(`  heap measurement for ${impl} ${tree} ${members} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}\n`);
    return undefined;
  }
  const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { heapUsed: number; arrayBuffers: number; loadMs: number };
  return {
    impl,
    members,
    tree,
    bytes_per_member: Math.round((m.heapUsed + m.arrayBuffers) / members),
    heap_used_per_member: Math.round(m.heapUsed / members),
    array_buffers_per_member: Math.round(m.arrayBuffers / members),
    load_ms: Math.round(m.loadMs),
  };
}

// ---------------------------------------------------------------------------------------------

export function machineInfo(): Record<string, unknown> {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    free_memory_gib: Math.round(freemem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    loadavg_start: loadavg().map((x) => Number(x.toFixed(2))),
  };
}

export interface BenchReport {
  machine: Record<string, unknown>;
  node: string;
  openssl: string;
  suite: { id: number; name: string };
  date: string;
  ts_mls?: string;
  command: string;
  wall_s?: number;
  ops: Record<string, string>;
  results: Result[];
  heap: HeapResult[];
  targets: TargetResult[];
}

export async function runBench(args: readonly string[]): Promise<number> {
  let o: BenchOptions | 'help';
  try {
    o = parseArgs(args);
  } catch (e) {
    err(`mls bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = o;
  const wall0 = performance.now();
  const suiteName = CIPHER_SUITES[opts.suite as keyof typeof CIPHER_SUITES].name;
  const report: BenchReport = {
    machine: machineInfo(),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    suite: { id: opts.suite, name: suiteName },
    date: new Date().toISOString(),
    ...(opts.vs ? { ts_mls: tsMlsVersion() } : {}),
    command: `mls bench ${args.join(' ')}`.trim(),
    ops: Object.fromEntries(opts.ops.map((x) => [x, OP_DESCRIPTIONS[x]])),
    results: [],
    heap: [],
    targets: [],
  };
  const m = report.machine;
  process.stdout.write(
    `mls bench: ${String(m['cpu'])} × ${String(m['cores'])}, ${String(m['memory_gib'])} GiB, node ${process.version}, OpenSSL ${report.openssl}, suite ${opts.suite} (${suiteName})` +
      `${opts.vs ? `, vs ts-mls ${report.ts_mls}` : ''}${gc === undefined ? ' (no --expose-gc: no forced GC between runs)' : ''}\n` +
      `times in ms: median (min–max); only the operation is timed, on a fresh copy of the state; load average ${(m['loadavg_start'] as number[]).join(' ')}\n\n`,
  );
  process.stdout.write(`${row(['tree', 'members', 'op', 'mlskit', opts.vs ? 'ts-mls' : '', opts.vs ? 'ts/mlskit' : '', 'runs', 'sizes'])}\n`);

  for (const tree of opts.trees) {
    for (const n of opts.members[tree]) {
      const sessions: Session[] = [];
      const t0 = performance.now();
      const fx = getFixture(opts.suite, tree, n, progressLine(`mlskit ${tree} ${n}`));
      endProgress();
      if (fx.built) err(`  built mlskit fixture ${tree} ${n} in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${fx.path}\n`);
      try {
        sessions.push(openMlskit(fx.file));
      } catch (e) {
        // A cached fixture this build cannot restore (the snapshot format moved on): rebuild it once.
        err(`  cached fixture ${fx.path} does not load (${(e as Error).message}): rebuilding\n`);
        const file = buildFixture(opts.suite, tree, n, progressLine(`mlskit ${tree} ${n}`));
        endProgress();
        writeFixture(fx.path, file);
        sessions.push(openMlskit(file));
      }
      const withTs = opts.vs && tree === 'sparse' && n <= opts.vsMax;
      if (withTs) {
        const t1 = performance.now();
        const ts = await tsMlsFixture(opts.suite, n, progressLine(`ts-mls ${tree} ${n}`));
        endProgress();
        if (ts.built) err(`  built ts-mls fixture ${tree} ${n} in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
        sessions.push(await openTsMls(opts.suite, n, ts.fixture));
      }
      // The previous group's garbage and this one's loading: collected before anything is timed.
      await settleHeap(300);
      for (const op of opts.ops) {
        const cands: Candidate[] = [];
        const unsupported: string[] = [];
        for (const s of sessions) {
          const c = s.op(op);
          if ('unsupported' in c) unsupported.push(`${s.impl}: ${c.unsupported}`);
          else cands.push({ impl: s.impl, c });
        }
        if (cands.length === 0) continue;
        const measured = await measure(cands, opts.runs, (impl) => {
          const prev = report.results.filter((r) => r.impl === impl && r.op === op && r.tree === tree && r.members < n).at(-1);
          return prev === undefined ? undefined : (prev.median_ms * n) / prev.members;
        });
        const byImpl = new Map<Impl, Result>();
        for (const [impl, { samples, bytes }] of measured) {
          const note = sessions.find((s) => s.impl === impl)?.note?.(op);
          const r: Result = { impl, op, members: n, tree, runs: samples.length, median_ms: round(median(samples)), min_ms: round(Math.min(...samples)), max_ms: round(Math.max(...samples)), bytes, ...(note !== undefined ? { note } : {}) };
          report.results.push(r);
          byImpl.set(impl, r);
        }
        const ours = byImpl.get('mlskit');
        const theirs = byImpl.get('ts-mls');
        const x = ours !== undefined && theirs !== undefined ? theirs.median_ms / ours.median_ms : undefined;
        const ratio = x === undefined ? '' : `${x.toFixed(x >= 10 ? 0 : 1)}×${theirs?.note !== undefined ? '*' : ''}`;
        const sizes = Object.entries(ours?.bytes ?? theirs?.bytes ?? {}).map(([k, v]) => `${k} ${fmtBytes(v)}`).join(', ');
        const runs = [...byImpl.values()].map((r) => r.runs).join('/');
        process.stdout.write(`${row([tree, String(n), op, cell(ours), withTs ? cell(theirs) : '', ratio, runs, sizes])}${unsupported.length > 0 && withTs ? `  [${unsupported.join('; ')}]` : ''}\n`);
      }
      sessions.length = 0;
      if (opts.heap) {
        for (const impl of withTs ? (['mlskit', 'ts-mls'] as const) : (['mlskit'] as const)) {
          const h = measureHeap(impl, opts.suite, tree, n);
          if (h === undefined) continue;
          report.heap.push(h);
          process.stdout.write(`${row([tree, String(n), `heap/member`, impl === 'mlskit' ? fmtBytes(h.bytes_per_member) : '', impl === 'ts-mls' ? fmtBytes(h.bytes_per_member) : '', '', '', `${impl}: V8 heap ${fmtBytes(h.heap_used_per_member)} + buffers ${fmtBytes(h.array_buffers_per_member)}; load ${fmtMs(h.load_ms)} ms`])}\n`);
        }
      }
    }
  }
  const notes = [...new Set(report.results.filter((r) => r.note !== undefined).map((r) => `${r.impl} ${r.op}: ${r.note!}`))];
  if (notes.length > 0) process.stdout.write(`\n* ${notes.join('\n* ')}\n`);
  report.targets = evaluateTargets(report.results, report.heap);
  report.wall_s = Math.round((performance.now() - wall0) / 1000);
  report.machine['loadavg_end'] = loadavg().map((x) => Number(x.toFixed(2)));
  if (report.targets.length > 0) {
    process.stdout.write('\ntargets (suite 1):\n');
    for (const t of report.targets) process.stdout.write(`  ${t.met === undefined ? '  ?' : t.met ? ' ok' : 'NOT'}  ${t.target.padEnd(58)} ${t.measured}\n`);
  }
  process.stdout.write(`\nwall time ${report.wall_s} s; load average at the end ${(report.machine['loadavg_end'] as number[]).join(' ')}\n`);
  if (opts.json !== undefined) writeJson(resolve(opts.json), report);
  if (opts.results !== undefined) {
    const dir = resolve(opts.results);
    mkdirSync(dir, { recursive: true });
    writeJson(join(dir, 'results.json'), report);
    writeFileSync(join(dir, 'results.md'), renderMarkdown(report));
    writeFileSync(join(dir, 'chart.svg'), renderChart(report));
    process.stdout.write(`wrote ${join(dir, 'results.json')}, results.md, chart.svg\n`);
  }
  return 0;
}

function round(x: number): number {
  return Number(x.toPrecision(4));
}

function writeJson(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** The repository's bench/results directory. */
export function defaultResultsDir(): string {
  return join(packageRoot(), 'bench', 'results');
}
