#!/usr/bin/env node
/**
 * `mls`: the mlskit command line.
 *
 *   mls vectors [FILE|DIR ...] [--kind KIND] [--json]   verify published MLS test-vector files
 *   mls demo [--members N] [--suite ID] [--messages K] [--json]   a group's life, seen by its delivery service
 *   mls bench [--members LIST] [--tree full|sparse] [--ops LIST] [--vs ts-mls] …   operations on prebuilt groups
 *
 * Every command is a thin shell over the library; the work lives in src/ and spec-vectors/.
 */
import { runBenchCommand } from './bench.js';
import { runDemoCommand } from './demo.js';
import { runVectorsCommand } from './vectors.js';

const USAGE = `usage: mls <command> [options]

commands:
  vectors [FILE|DIR ...] [--kind KIND] [--json] [--allow-unsupported]
      Verify MLS test-vector files (default: every published file in $MLS_TEST_VECTORS,
      or ../shared/mls-test-vectors). Exits non-zero if any case fails or a file is not supported.
  demo [--members N] [--suite ID] [--messages K] [--json] [--leaky]
      Run a group through create, add, messages, remove, update, an empty Commit and a late add,
      relayed by an in-process delivery service; check after each step that all members agree,
      and at the end that the DS never saw a plaintext. Defaults: 8 members (2..1000), suite 1,
      2 messages each. --leaky is a negative control: one member leaks its plaintexts, the check
      must catch it. Exits 1 on any disagreement, plaintext seen or error.
  bench [--members LIST] [--tree full|sparse] [--ops LIST] [--suite ID] [--vs ts-mls] [--runs N]
        [--json FILE] [--results DIR]
      Time MLS operations (commit, process, add, add-many, remove, update, join, app, snapshot) on
      prebuilt groups of up to 100,000+ members (built once, cached in bench/.fixtures/), optionally
      against ts-mls in the same run. 'mls bench --help' for details; 'npm run bench' runs the
      default set and writes bench/results/.
  help
      Show this text.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'vectors':
      return runVectorsCommand(rest);
    case 'demo':
      return runDemoCommand(rest);
    case 'bench':
      return runBenchCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`mls: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mls: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
