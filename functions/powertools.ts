/**
 * Every function's Powertools: a JSON logger, CloudWatch metrics (EMF) and an X-Ray tracer, named after
 * the function, with the middy middlewares that bind them to each invocation.
 *
 * Environment (all optional):
 *   POWERTOOLS_SERVICE_NAME       the `service` in logs, metrics and traces; defaults to the function's name
 *   POWERTOOLS_METRICS_NAMESPACE  defaults to `Propdesk`
 *   TENANT_ID                     the `tenant` dimension of every metric
 *   POWERTOOLS_METRICS_DISABLED   outside Lambda (no AWS_EXECUTION_ENV) it defaults to `true`
 *   POWERTOOLS_LOG_LEVEL, POWERTOOLS_TRACE_ENABLED, ...: as Powertools documents them
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { MiddlewareObj } from '@middy/core';
import { METRICS, METRICS_NAMESPACE } from './metrics.js';

/**
 * X-Ray's SDK hooks every promise in the process as soon as it is loaded (cls-hooked's async hooks: an await
 * measured 690 ns instead of 45 ns, and the evaluator against dynalite lost a fifth of its records per
 * second), so the tracer is loaded only where traces are sent: in Lambda, unless the tenant turned tracing off.
 */
const xray =
  process.env.AWS_EXECUTION_ENV && process.env.POWERTOOLS_TRACE_ENABLED !== 'false'
    ? { ...(await import('@aws-lambda-powertools/tracer')), ...(await import('@aws-lambda-powertools/tracer/middleware')) }
    : undefined;

/** The metrics a function emits: those of its contract; none for a function without one. */
export type MetricName<F extends string> = F extends keyof typeof METRICS ? (typeof METRICS)[F][number] : never;

export interface Powertools<F extends string = string> {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Absent where no traces are sent (see `xray`). */
  readonly tracer?: Tracer;
  /** The SDK client, traced when this process sends traces. */
  traced<C>(client: C): C;
  /** Tracing, the log context, then metrics: metrics are published last, also when the handler throws. */
  readonly middlewares: MiddlewareObj[];
  /** Every metric of the function's contract, zeros included, so sums and ratios never miss a datapoint. */
  count(counts: Readonly<Record<MetricName<F>, number>>): void;
}

export function createPowertools<F extends string>(name: F): Powertools<F> {
  // Metrics would print EMF wherever they run (the local platform, tests, benchmarks), where nothing reads
  // it. An explicit setting still wins.
  if (!process.env.AWS_EXECUTION_ENV) process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME || name;
  const tenant = process.env.TENANT_ID;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    // Powertools adds `service`; an empty dimension would only draw a warning.
    ...(tenant ? { defaultDimensions: { tenant } } : {}),
    logger,
  });
  const tracer = xray && new xray.Tracer({ serviceName });
  const contract: readonly string[] = (METRICS as Readonly<Record<string, readonly string[]>>)[name] ?? [];
  return {
    logger,
    metrics,
    tracer,
    middlewares: [
      // Responses can carry a request's problem details; traces keep timings, not payloads.
      ...(xray && tracer ? [xray.captureLambdaHandler(tracer, { captureResponse: false })] : []),
      // Never the event: it holds request bodies and trade data, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
      injectLambdaContext(logger, { logEvent: false }),
      // Without metrics of its own a function would warn on every invocation that it has none to publish.
      ...(contract.length > 0 ? [logMetrics(metrics, { captureColdStartMetric: true })] : []),
    ],
    traced: (client) => (tracer ? tracer.captureAWSv3Client(client) : client),
    count: (counts) => {
      for (const metric of contract) metrics.addMetric(metric, MetricUnit.Count, counts[metric as MetricName<F>]);
    },
  };
}
