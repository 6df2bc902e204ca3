/**
 * npm run cost: the monthly AWS cost of one firm's stack (bench/cost-model.ts) as markdown, for 1,000 and
 * 20,000 traders side by side, with the traffic it implies and every assumption it used.
 *
 *   npm run cost
 *   npm run cost -- --traders 5000 --writes-per-event 0.0675
 *   npm run cost -- --traders 1000,20000,50000 --stream-mode provisioned --log-class infrequentAccess
 *   npm run cost -- --prices      (also print every price with its source)
 *
 * Any assumption can be overridden with --<name in kebab case> <value>; --traders takes a comma list.
 */
import {
  ASSUMPTION_NOTES,
  DEFAULT_ASSUMPTIONS,
  monthlyCost,
  PRICES,
  type Assumptions,
  type CostLine,
  type CostReport,
  type PriceKey,
} from './cost-model.js';

const DEFAULT_TRADERS = [1_000, 20_000];
const ENUMS: Partial<Record<keyof Assumptions, readonly string[]>> = {
  streamMode: ['on-demand', 'provisioned'],
  logClass: ['standard', 'infrequentAccess'],
  cognitoPlan: ['lite', 'essentials', 'plus'],
};

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
const kebab = (key: string): string => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

interface Options {
  readonly traders: number[];
  readonly overrides: Partial<Record<keyof Assumptions, unknown>>;
  readonly prices: boolean;
}

function usage(): string {
  return [
    'usage: npm run cost -- [--traders 1000,20000] [--<assumption> <value> ...] [--prices]',
    'assumptions (kebab case):',
    ...Object.keys(DEFAULT_ASSUMPTIONS)
      .filter((key) => key !== 'traders')
      .map((key) => `  --${kebab(key)} (default ${String(DEFAULT_ASSUMPTIONS[key as keyof Assumptions])})`),
  ].join('\n');
}

function parseArgs(argv: readonly string[]): Options {
  let traders = DEFAULT_TRADERS;
  let prices = false;
  const overrides: Partial<Record<keyof Assumptions, unknown>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--prices') {
      prices = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') throw new UsageError(usage());
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"\n${usage()}`);
    const key = camel(match[1]!) as keyof Assumptions;
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${match[1]} needs a value`);
    if (!(key in DEFAULT_ASSUMPTIONS)) throw new UsageError(`unknown assumption --${match[1]}\n${usage()}`);
    if (key === 'traders') {
      traders = value.split(',').map((part) => Number(part.replace(/_/g, '')));
      if (traders.some((count) => !Number.isFinite(count) || count < 0)) throw new UsageError(`--traders takes numbers >= 0, got "${value}"`);
      continue;
    }
    const current = DEFAULT_ASSUMPTIONS[key];
    if (typeof current === 'number') {
      const number = Number(value.replace(/_/g, ''));
      if (!Number.isFinite(number)) throw new UsageError(`--${match[1]} takes a number, got "${value}"`);
      overrides[key] = number;
    } else if (typeof current === 'boolean') {
      if (value !== 'true' && value !== 'false') throw new UsageError(`--${match[1]} takes true or false, got "${value}"`);
      overrides[key] = value === 'true';
    } else {
      const allowed = ENUMS[key] ?? [];
      if (!allowed.includes(value)) throw new UsageError(`--${match[1]} takes one of ${allowed.join(', ')}, got "${value}"`);
      overrides[key] = value;
    }
  }
  return { traders, overrides, prices };
}

class UsageError extends Error {}

const usd = (value: number): string => {
  if (value === 0) return '$0';
  if (value < 0.01) return '<$0.01';
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};

function quantity(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100 || Number.isInteger(value)) return Math.round(value).toLocaleString('en-US');
  if (abs >= 1) return value.toFixed(1);
  if (abs === 0) return '0';
  return value.toPrecision(2);
}

const headcount = (traders: number): string => `${traders.toLocaleString('en-US')} traders`;
const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

function lineTable(lines: readonly (readonly CostLine[])[], traders: readonly number[], totals?: readonly number[]): string[] {
  const header = row(['Service', 'Item', 'Unit', ...traders.flatMap((count) => [`${headcount(count)}: quantity`, '$/month'])]);
  const align = row(['---', '---', '---', ...traders.flatMap(() => ['---:', '---:'])]);
  const body = lines[0]!.map((line, index) =>
    row([line.service, line.item, line.unit, ...lines.flatMap((column) => [quantity(column[index]!.quantity), usd(column[index]!.usd)])]),
  );
  const total = totals ? [row(['**Total**', '', '', ...totals.flatMap((value) => ['', `**${usd(value)}**`])])] : [];
  return [header, align, ...body, ...total];
}

function byService(report: CostReport): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of report.lines) totals.set(line.service, (totals.get(line.service) ?? 0) + line.usd);
  return totals;
}

function warnings(assumptions: Assumptions, report: CostReport): string[] {
  const out: string[] = [];
  const { traffic } = report;
  if (traffic.peakIngestRequestsPerSecond > assumptions.ingestThrottlePerSecond) {
    out.push(
      `${headcount(assumptions.traders)}: the peak of ${Math.round(traffic.peakIngestRequestsPerSecond).toLocaleString('en-US')} ingest requests/s is over the API's throttle of ${assumptions.ingestThrottlePerSecond.toLocaleString('en-US')}/s: raise --events-per-post (bridges batch more) or the tenant's ingest throttle.`,
    );
  }
  if (assumptions.streamMode === 'provisioned' && assumptions.traders > traffic.provisionedShards * 1_000) {
    out.push(
      `${headcount(assumptions.traders)}: the rollover puts ${assumptions.traders.toLocaleString('en-US')} clock events on the stream at once; ${traffic.provisionedShards} provisioned shard(s) take ${(traffic.provisionedShards * 1_000).toLocaleString('en-US')}/s, so the rollover is throttled and retries for a few seconds.`,
    );
  }
  return out;
}

function render(options: Options): string {
  const assumptionsFor = (traders: number): Assumptions => ({ ...DEFAULT_ASSUMPTIONS, ...options.overrides, traders }) as Assumptions;
  const runs = options.traders.map((traders) => ({ assumptions: assumptionsFor(traders), report: monthlyCost(assumptionsFor(traders), PRICES) }));
  const traders = options.traders;
  const out: string[] = [];

  out.push(`# Propdesk: monthly AWS cost of one firm (us-east-1, list prices, free tiers ignored)`, '');
  out.push(...lineTable(runs.map((run) => run.report.lines), traders, runs.map((run) => run.report.totalUsd)), '');

  const mode = runs[0]!.assumptions.streamMode;
  const other = mode === 'on-demand' ? 'provisioned' : 'on-demand';
  out.push(`Not in the total, for comparison: the trade stream in ${other} mode (the lines above are ${mode}).`, '');
  out.push(...lineTable(runs.map((run) => run.report.alternatives), traders), '');
  const streamUsd = (report: CostReport) => report.lines.filter((line) => line.service.startsWith('Kinesis')).reduce((sum, line) => sum + line.usd, 0);
  for (const { assumptions, report } of runs) {
    // The whole model again: the shard count also sets how many evaluator invocations there are.
    const switched = monthlyCost({ ...assumptions, streamMode: other }, PRICES);
    out.push(
      `${headcount(assumptions.traders)}: stream ${usd(streamUsd(report))} ${mode}, ${usd(streamUsd(switched))} ${other} (${switched.traffic.shards} shard(s)); total ${usd(report.totalUsd)} ${mode}, ${usd(switched.totalUsd)} ${other}.`,
    );
  }
  out.push('');

  out.push('## What dominates', '');
  const services = [...byService(runs.at(-1)!.report).entries()].sort((a, b) => b[1] - a[1]).map(([service]) => service);
  out.push(row(['Service', ...traders.flatMap((count) => [headcount(count), 'share'])]));
  out.push(row(['---', ...traders.flatMap(() => ['---:', '---:'])]));
  for (const service of services) {
    out.push(
      row([
        service,
        ...runs.flatMap(({ report }) => {
          const value = byService(report).get(service) ?? 0;
          return [usd(value), `${((100 * value) / report.totalUsd).toFixed(1)}%`];
        }),
      ]),
    );
  }
  out.push('');
  for (const { assumptions, report } of runs) {
    const top = [...report.lines].sort((a, b) => b.usd - a.usd).slice(0, 5);
    out.push(`${headcount(assumptions.traders)}, largest items: ${top.map((line) => `${line.service} ${line.item} ${usd(line.usd)} (${((100 * line.usd) / report.totalUsd).toFixed(0)}%)`).join('; ')}.`);
  }
  out.push('');

  out.push('## Traffic the assumptions imply', '');
  const traffic: [string, (run: { assumptions: Assumptions; report: CostReport }) => string][] = [
    ['events on the stream per month (snapshots + deals + clocks)', ({ report }) => quantity(report.traffic.events)],
    ['average events/s in market hours', ({ report }) => quantity(report.traffic.averageEventsPerSecond)],
    ['peak events/s', ({ report }) => quantity(report.traffic.peakEventsPerSecond)],
    ['shards: on-demand (scaled) / provisioned (needed)', ({ report }) => `${report.traffic.onDemandShards} / ${report.traffic.provisionedShards}`],
    ['records per evaluator invocation', ({ report }) => quantity(report.traffic.recordsPerInvocation)],
    ['evaluator invocations per month', ({ report }) => quantity(report.traffic.evaluatorInvocations)],
    ['ingest requests per month / per second at peak', ({ report }) => `${quantity(report.traffic.ingestRequests)} / ${quantity(report.traffic.peakIngestRequestsPerSecond)}`],
    ['DynamoDB writes per month', ({ report }) => quantity(report.traffic.dynamoWrites)],
    ['domain events published per month', ({ report }) => quantity(report.traffic.domainEvents)],
    ['cost per trader per month', ({ assumptions, report }) => (assumptions.traders > 0 ? usd(report.totalUsd / assumptions.traders) : '-')],
  ];
  out.push(row(['', ...traders.map(headcount)]), row(['---', ...traders.map(() => '---:')]));
  for (const [label, value] of traffic) out.push(row([label, ...runs.map(value)]));
  out.push('');

  const notes = runs.flatMap((run) => warnings(run.assumptions, run.report));
  const base = runs[0]!.assumptions;
  if (base.snapshotsPerOpenMinute !== DEFAULT_ASSUMPTIONS.snapshotsPerOpenMinute && base.writesPerEvent === DEFAULT_ASSUMPTIONS.writesPerEvent) {
    notes.push(
      `writes-per-event ${base.writesPerEvent} was measured at 60 snapshots per open minute. Saves follow time and changes, not the snapshot count, so with ${base.snapshotsPerOpenMinute} per minute raise it (about ${Math.min(1, (base.writesPerEvent * 60) / Math.max(1, base.snapshotsPerOpenMinute)).toFixed(3)} keeps the writes per open minute).`,
    );
  }
  if (notes.length > 0) out.push('## Warnings', '', ...notes.map((note) => `- ${note}`), '');

  out.push('## Assumptions', '');
  out.push(row(['assumption', 'value', 'meaning and source']), row(['---', '---', '---']));
  out.push(row(['`traders`', traders.map((count) => count.toLocaleString('en-US')).join(', '), ASSUMPTION_NOTES.traders]));
  for (const key of Object.keys(DEFAULT_ASSUMPTIONS) as (keyof Assumptions)[]) {
    if (key === 'traders') continue;
    const value = base[key];
    const overridden = key in options.overrides ? ' (set)' : '';
    const shown = typeof value === 'number' ? String(Number(value.toFixed(6))) : String(value);
    out.push(row([`\`${kebab(key)}\``, `${shown}${overridden}`, ASSUMPTION_NOTES[key].replace(/\|/g, '/')]));
  }
  out.push('');

  if (options.prices) {
    out.push('## Prices (us-east-1)', '');
    out.push(row(['price', 'USD', 'per', 'source', 'date', 'status']), row(['---', '---:', '---', '---', '---', '---']));
    for (const key of Object.keys(PRICES) as PriceKey[]) {
      const price = PRICES[key];
      out.push(row([key, String(price.usd), `${price.per === 1 ? '' : `${price.per.toLocaleString('en-US')} `}${price.unit}`, price.source, price.date, price.status]));
    }
    out.push('');
  } else {
    out.push('Prices and their sources: `npm run cost -- --prices` (bench/cost-model.ts, `PRICES`).', '');
  }
  return out.join('\n');
}

try {
  console.log(render(parseArgs(process.argv.slice(2))));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
