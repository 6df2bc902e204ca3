/**
 * The demo firm: synthesized by tests and the local platform, not deployed anywhere. A later issue
 * replaces this object with validated tenant files.
 */
import type { TenantConfig } from '../stacks/tenant-stack.js';

export const demo: TenantConfig = {
  tenantId: 'demo',
  // Placeholder account: the demo stack is only ever synthesized.
  env: { account: '111111111111', region: 'eu-central-1' },
  // A Prague firm whose US programs close at 17:00 New York, the forex convention.
  dayBoundaries: [
    { zone: 'Europe/Prague', time: '00:00' },
    { zone: 'America/New_York', time: '17:00' },
  ],
  stream: { mode: 'on-demand' },
  // No batching window: a record is evaluated as soon as the shard is polled (ingest-to-verdict P99 in
  // `npm run bench`). The save policy keeps writes low even at one event per account per batch.
  evaluator: { batchSize: 1000, maxBatchingWindowSeconds: 0 },
  // Public on purpose: the local platform's demo bridges sign with it. A real firm's secrets never live in a
  // tenant file (a later issue moves them to Secrets Manager).
  ingestSecrets: ['demo-ingest-secret-public-do-not-use-in-production'],
};
