/**
 * The one place that holds Propdesk's Lambda defaults, so every function gets the same runtime, bundle,
 * logging and tracing, and wires its collaborators the same way: each `bind*` helper sets the environment
 * variable the handler reads AND grants exactly the access that variable implies, in one call, so a
 * function can never hold a name it may not use or a permission it has no name for.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** What a caller may choose; runtime, architecture, bundling, tracing and the log group are fixed here. */
export interface PropdeskFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'bundling' | 'tracing' | 'logGroup' | 'logRetention'> {
  /** Absolute path of the handler module (it must export `handler`). */
  readonly entry: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export type TableAccess = 'read' | 'readWrite';

export const FUNCTION_DEFAULTS = {
  memorySize: 512,
  timeout: Duration.seconds(30),
  logRetention: RetentionDays.ONE_MONTH,
} as const;

/**
 * The bundle is ESM because the handlers use top-level await and `import.meta`; some dependencies (X-Ray's
 * SDK among them) still call `require`, which an ESM bundle lacks, so the banner recreates it.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export class PropdeskFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PropdeskFunctionProps) {
    const { logRetention = FUNCTION_DEFAULTS.logRetention, environment, ...rest } = props;
    // An explicit log group (rather than the one Lambda creates on first write) so retention is set from the
    // first line and the group belongs to the stack. It is created beside the function because `this` does
    // not exist before super(); RETAIN keeps a firm's logs for audit if its stack is ever deleted.
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: logRetention, removalPolicy: RemovalPolicy.RETAIN });
    super(scope, id, {
      memorySize: FUNCTION_DEFAULTS.memorySize,
      timeout: FUNCTION_DEFAULTS.timeout,
      ...rest,
      // Node 22 on Graviton: the current LTS runtime, and arm64 is about 20% cheaper per GB-second.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        // Stack traces point at the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Prefer the packages' ESM entry points so tree shaking works across dependencies.
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // Bundle everything, the AWS SDK included: the pinned SDK version is the one the tests ran against,
        // and a single bundled file loads faster on a cold start than resolving the runtime's node_modules.
        externalModules: [],
        banner: ESM_REQUIRE_BANNER,
      },
    });
  }

  /** Sets `envName` to the table's name and grants item reads, or reads and writes. */
  bindTable(table: ITable, access: TableAccess, envName: string): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    return this;
  }

  /** Sets `envName` to the stream's name and grants PutRecord(s) (and the key's encrypt, if it has one). */
  bindStreamWrite(stream: IStream, envName: string): this {
    this.addEnvironment(envName, stream.streamName);
    stream.grantWrite(this);
    return this;
  }

  /** Sets `envName` to the bus's name and grants PutEvents on that bus only. */
  bindBus(bus: IEventBus, envName: string): this {
    this.addEnvironment(envName, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /** Sets `envName` to the queue's URL and grants SendMessage on it. */
  bindQueueSend(queue: IQueue, envName: string): this {
    this.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }
}
