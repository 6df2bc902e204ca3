import { describe, expect, it } from 'vitest';
import { DEFAULT_ASSUMPTIONS, GB, HOURS_PER_MONTH, monthlyCost, PRICES, type Assumptions, type CostLine, type CostReport } from '../../bench/cost-model.js';

/**
 * One trader, one trading day of one market hour, always in a position, one snapshot a minute, one trade:
 * 60 snapshots + 2 deals + 1 clock = 63 events, each 1,000 bytes (one KB when rounded up).
 */
const TINY: Assumptions = {
  ...DEFAULT_ASSUMPTIONS,
  traders: 1,
  tradingDaysPerMonth: 1,
  calendarDaysPerMonth: 1,
  marketHoursPerTradingDay: 1,
  openPositionShare: 1,
  snapshotsPerOpenMinute: 1,
  tradesPerTraderPerDay: 1,
  dealsPerTrade: 2,
  dayBoundaries: 1,
  snapshotBytes: 1_000,
  dealBytes: 1_000,
  clockBytes: 1_000,
  peakToAverage: 3,
  writesPerEvent: 0.5,
  accountSaveShareOfWrites: 0.5,
  accountItemBytes: 1_500,
  recordItemBytes: 500,
  evaluatorMemoryMb: 2_048,
  evaluatorCpuMsPerRecord: 1,
  evaluatorFixedMsPerInvocation: 10,
  eventsPerPost: 2,
  ingestMemoryMb: 1_024,
  ingestFixedMsPerRequest: 10,
  ingestMsPerEvent: 0,
  appLogBytesPerInvocation: 100,
  metricsLogBytesPerInvocation: 100,
  platformLogBytesPerInvocation: 100,
  accessLogBytesPerRequest: 100,
  logEventOverheadBytes: 0,
};

function line(report: CostReport, service: string, item: string, from: readonly CostLine[] = report.lines): CostLine {
  const found = from.find((candidate) => candidate.service === service && candidate.item.startsWith(item));
  if (!found) throw new Error(`no line ${service} / ${item}: ${from.map((candidate) => `${candidate.service} / ${candidate.item}`).join('; ')}`);
  return found;
}

describe('monthlyCost on a hand-computed case', () => {
  const report = monthlyCost(TINY, PRICES);

  it('derives the events from the bridge contract: snapshots while open, deals, one clock per boundary and day', () => {
    expect(report.traffic.snapshots).toBe(60);
    expect(report.traffic.deals).toBe(2);
    expect(report.traffic.clocks).toBe(1);
    expect(report.traffic.events).toBe(63);
    expect(report.traffic.averageEventsPerSecond).toBeCloseTo(62 / 3_600, 12);
  });

  it('prices the on-demand stream per stream-hour and per GB with records rounded up to 1 KB', () => {
    expect(line(report, 'Kinesis (on-demand)', 'stream-hours').usd).toBeCloseTo(730 * 0.04, 10);
    const gb = (63 * 1_024) / GB;
    expect(line(report, 'Kinesis (on-demand)', 'data in').quantity).toBeCloseTo(gb, 15);
    expect(line(report, 'Kinesis (on-demand)', 'data in').usd).toBeCloseTo(gb * 0.08, 15);
    expect(line(report, 'Kinesis (on-demand)', 'data out').usd).toBeCloseTo(gb * 0.04, 15);
  });

  it('prices the provisioned alternative as one shard and one PUT payload unit per record', () => {
    expect(report.traffic.provisionedShards).toBe(1);
    expect(line(report, 'Kinesis (provisioned)', 'shard-hours', report.alternatives).usd).toBeCloseTo(730 * 0.015, 10);
    expect(line(report, 'Kinesis (provisioned)', 'PUT payload units', report.alternatives).usd).toBeCloseTo((63 * 0.014) / 1e6, 15);
  });

  it('counts DynamoDB writes per event, with items rounded up to whole KB', () => {
    // 63 events x 0.5 = 31.5 writes: half account saves of 1,500 bytes (2 WRU), half records of 500 bytes (1 WRU).
    expect(line(report, 'DynamoDB (on-demand)', 'account saves').quantity).toBeCloseTo(31.5, 10);
    expect(line(report, 'DynamoDB (on-demand)', 'record items').quantity).toBeCloseTo(15.75, 10);
    expect(line(report, 'DynamoDB (on-demand)', 'account saves').usd).toBeCloseTo((31.5 * 0.625) / 1e6, 15);
  });

  it('invokes the evaluator once per record at a trickle, once more for the clock, and bills its duration', () => {
    // 62 bridge events over an hour on 4 on-demand shards: less than one record per shard per poll.
    expect(report.traffic.shards).toBe(4);
    expect(report.traffic.recordsPerInvocation).toBe(1);
    expect(report.traffic.evaluatorInvocations).toBe(63);
    // 63 x 10 ms fixed + 63 records x 1 ms (a full core at 2,048 MB), at 2 GB.
    expect(line(report, 'Lambda', 'evaluator duration').quantity).toBeCloseTo(((63 * 10 + 63 * 1) / 1_000) * 2, 10);
    expect(line(report, 'Lambda', 'evaluator requests').usd).toBeCloseTo((63 * 0.2) / 1e6, 15);
  });

  it('sends two events per POST through API Gateway and the ingest function', () => {
    expect(report.traffic.ingestRequests).toBe(31);
    expect(line(report, 'API Gateway (HTTP API)', 'ingest requests').usd).toBeCloseTo(31 / 1e6, 15);
    expect(line(report, 'Lambda', 'ingest duration').quantity).toBeCloseTo((31 * 10) / 1_000, 10);
  });

  it('logs one set of lines per invocation and request, not per record', () => {
    expect(line(report, 'CloudWatch Logs', 'evaluator logs').quantity).toBeCloseTo((63 * 300) / GB, 15);
    expect(line(report, 'CloudWatch Logs', 'ingest API access logs').quantity).toBeCloseTo((31 * 100) / GB, 15);
    const infrequent = monthlyCost({ ...TINY, logClass: 'infrequentAccess' }, PRICES);
    expect(line(infrequent, 'CloudWatch Logs', 'evaluator logs').usd).toBeCloseTo(line(report, 'CloudWatch Logs', 'evaluator logs').usd / 2, 15);
  });

  it('traces every invocation below one a second, and none without tracing', () => {
    expect(line(report, 'X-Ray', 'ingest traces').quantity).toBeCloseTo(31, 10);
    expect(line(report, 'X-Ray', 'evaluator traces').quantity).toBeCloseTo(63, 10);
    const untraced = monthlyCost({ ...TINY, tracing: false }, PRICES);
    expect(untraced.lines.filter((candidate) => candidate.service === 'X-Ray').every((candidate) => candidate.usd === 0)).toBe(true);
  });

  it('counts the fixed costs whatever the traffic', () => {
    expect(line(report, 'KMS', 'customer-managed keys').usd).toBe(2);
    expect(line(report, 'Secrets Manager', 'ingest signing secret').usd).toBeCloseTo(0.4, 10);
    expect(line(report, 'CloudWatch', 'alarms').usd).toBeCloseTo(2.2, 10);
    expect(line(report, 'CloudWatch', 'dashboard').usd).toBe(3);
    expect(line(report, 'Cognito', 'user pool').usd).toBeCloseTo(0.015, 10);
  });

  it('totals exactly the lines, not the alternatives', () => {
    expect(report.totalUsd).toBeCloseTo(
      report.lines.reduce((sum, candidate) => sum + candidate.usd, 0),
      12,
    );
    expect(report.lines.some((candidate) => candidate.service === 'Kinesis (provisioned)')).toBe(false);
  });
});

describe('monthlyCost mechanics', () => {
  it('samples one trace a second and 5% of the rest', () => {
    // 36,000 requests in an hour = 10/s: 1 + 0.05 x 9 = 1.45 traced a second.
    const report = monthlyCost({ ...TINY, snapshotsPerOpenMinute: 600, tradesPerTraderPerDay: 0, eventsPerPost: 1 }, PRICES);
    expect(report.traffic.ingestRequests).toBe(36_000);
    expect(line(report, 'X-Ray', 'ingest traces').quantity).toBeCloseTo(3_600 * 1.45, 6);
  });

  it('tiers API Gateway requests above 300 million', () => {
    const report = monthlyCost({ ...TINY, snapshotsPerOpenMinute: 400e6 / 60, tradesPerTraderPerDay: 0, eventsPerPost: 1 }, PRICES);
    expect(report.traffic.ingestRequests).toBe(400e6);
    expect(line(report, 'API Gateway (HTTP API)', 'ingest requests').usd).toBeCloseTo(300 + 90, 6);
  });

  it('caps records per evaluator invocation at the batch size and sizes provisioned shards by records per second', () => {
    // 3,600,000 events in an hour = 1,000/s, peak 3,000/s: 3 provisioned shards; on-demand 2 x 3,000 / 1,000 = 6.
    const busy = { ...TINY, snapshotsPerOpenMinute: 60_000, tradesPerTraderPerDay: 0, evaluatorBatchSize: 100 };
    const report = monthlyCost(busy, PRICES);
    expect(report.traffic.provisionedShards).toBe(3);
    expect(report.traffic.onDemandShards).toBe(6);
    expect(report.traffic.recordsPerInvocation).toBe(100);
    const provisioned = monthlyCost({ ...busy, streamMode: 'provisioned' }, PRICES);
    expect(line(provisioned, 'Kinesis (provisioned)', 'shard-hours').usd).toBeCloseTo(3 * HOURS_PER_MONTH * 0.015, 10);
    expect(provisioned.alternatives.every((candidate) => candidate.service === 'Kinesis (on-demand)')).toBe(true);
  });

  it('sizes shards by bytes when records are large', () => {
    // 1,000 records/s of 10 KB at peak = 9.8 MB/s: 10 shards, though 1,000 records/s would fit in one.
    const report = monthlyCost({ ...TINY, snapshotsPerOpenMinute: 20_000, tradesPerTraderPerDay: 0, snapshotBytes: 10_240 }, PRICES);
    expect(report.traffic.peakEventsPerSecond).toBeCloseTo(1_000, 6);
    expect(report.traffic.provisionedShards).toBe(10);
  });

  it('refuses a negative or non-finite assumption, and a share above 1', () => {
    expect(() => monthlyCost({ ...TINY, writesPerEvent: -1 }, PRICES)).toThrow(/writesPerEvent/);
    expect(() => monthlyCost({ ...TINY, traders: Number.NaN }, PRICES)).toThrow(/traders/);
    expect(() => monthlyCost({ ...TINY, eventsPerPost: 0 }, PRICES)).toThrow(/eventsPerPost/);
    expect(() => monthlyCost({ ...TINY, openPositionShare: 1.5 }, PRICES)).toThrow(/openPositionShare/);
  });
});

describe('monthlyCost on the defaults', () => {
  const small = monthlyCost({ ...DEFAULT_ASSUMPTIONS, traders: 1_000 }, PRICES);
  const large = monthlyCost({ ...DEFAULT_ASSUMPTIONS, traders: 20_000 }, PRICES);

  it('costs more for 20,000 traders than for 1,000, and less per trader', () => {
    expect(large.totalUsd).toBeGreaterThan(small.totalUsd);
    expect(large.totalUsd / 20_000).toBeLessThan(small.totalUsd / 1_000);
  });

  it.each([
    ['defaults', {}],
    ['provisioned stream', { streamMode: 'provisioned' }],
    ['infrequent-access logs, no tracing, no Cognito', { logClass: 'infrequentAccess', tracing: false, cognito: false }],
    ['scalping writes, one event per POST', { writesPerEvent: 0.0675, eventsPerPost: 1 }],
    ['no traders', { traders: 0 }],
  ] as const)('gives every line a finite amount >= 0 (%s)', (_, overrides) => {
    for (const traders of [1_000, 20_000]) {
      const report = monthlyCost({ ...DEFAULT_ASSUMPTIONS, traders, ...overrides } as Assumptions, PRICES);
      for (const candidate of [...report.lines, ...report.alternatives]) {
        expect(Number.isFinite(candidate.usd), `${candidate.service} ${candidate.item}`).toBe(true);
        expect(candidate.usd, `${candidate.service} ${candidate.item}`).toBeGreaterThanOrEqual(0);
        expect(Number.isFinite(candidate.quantity)).toBe(true);
      }
      expect(Number.isFinite(report.totalUsd)).toBe(true);
    }
  });

  it('applies the measured 0.048 writes per event at 2 WRU per account save', () => {
    const writes = large.traffic.events * 0.048;
    expect(line(large, 'DynamoDB (on-demand)', 'account saves').quantity).toBeCloseTo(writes * 0.952 * 2, 0);
  });

  it('documents every price with a source and a date', () => {
    for (const [key, price] of Object.entries(PRICES)) {
      expect(price.source.length, key).toBeGreaterThan(0);
      expect(price.date.length, key).toBeGreaterThan(0);
      expect(price.usd, key).toBeGreaterThan(0);
    }
  });
});
