/**
 * `npm run bench -- <benchmark> [options]`: one file per benchmark under bench/, shared helpers in bench/stack.ts.
 * To add one, write bench/<name>.ts exporting `run(argv): Promise<exitCode>` and list it below.
 */

interface Benchmark {
  summary: string;
  /** Loaded only when chosen: each benchmark pulls in the stack it needs. */
  load(): Promise<{ run(argv: string[]): Promise<number> }>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  backfill: {
    summary: 'import a seeded fake workspace through the API; compare with a bare pager and a sequential cursor',
    load: () => import('./backfill'),
  },
  sources: {
    summary: 'many sources (one fake workspace each) importing at once with 1..N worker processes; lock waits',
    load: () => import('./sources'),
  },
  reads: {
    summary: 'read latency (p50/p95) of the API and /app tables on a large source written through the import path',
    load: () => import('./reads'),
  },
  live: {
    summary: 'webhook → PostgreSQL latency of live sync under a steady rate of company updates (p50/p95/p99, lost)',
    load: () => import('./live'),
  },
};

function usage(): string {
  const names = Object.keys(BENCHMARKS);
  const width = Math.max(...names.map((n) => n.length));
  return [
    'Usage: npm run bench -- <benchmark> [options]   (--help after a benchmark lists its options)',
    '',
    'Benchmarks:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${BENCHMARKS[n].summary}`),
  ].join('\n');
}

async function main(): Promise<number> {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const benchmark = BENCHMARKS[name];
  if (!benchmark) {
    console.error(`Unknown benchmark "${name}".\n\n${usage()}`);
    return 2;
  }
  const { run } = await benchmark.load();
  return run(argv);
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
