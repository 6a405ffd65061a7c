/**
 * `mls bench`: the benchmark of MLS operations on prebuilt groups (bench/mls/cli.ts does the work).
 *
 * The benchmark lives in bench/, which the repository compiles (dist/bench/) but the published
 * package does not ship; it is loaded on demand so that the other commands never depend on it.
 */
export async function runBenchCommand(args: readonly string[]): Promise<number> {
  let bench: typeof import('../../bench/mls/cli.js');
  try {
    bench = await import('../../bench/mls/cli.js');
  } catch (cause) {
    process.stderr.write(`mls bench: the benchmark is not available in this installation (it runs from a repository checkout: npm run bench)\n  ${cause instanceof Error ? cause.message : String(cause)}\n`);
    return 2;
  }
  return bench.runBench(args);
}
