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
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type CfnResource, Stack } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import { METRICS_NAMESPACE } from '../../functions/metrics.js';
import { acknowledge } from './nag.js';

/** What the tenant file decides for every function of the firm. */
export interface FunctionSettings {
  /** One of CloudWatch Logs' retention periods (the tenant schema allows only those). */
  readonly logRetentionDays: number;
  /** X-Ray active tracing. */
  readonly tracing: boolean;
}

/** What a caller may choose; runtime, architecture, bundling and the log group are fixed here. */
export interface PropdeskFunctionProps
  extends Omit<NodejsFunctionProps, 'entry' | 'runtime' | 'architecture' | 'bundling' | 'tracing' | 'logGroup' | 'logRetention'> {
  /** Absolute path of the handler module (it must export `handler`). */
  readonly entry: string;
  /** The firm: the handler's TENANT_ID and the `tenant` dimension of its metrics. */
  readonly tenantId: string;
  /** Powertools' service name: the `service` key of every log line and metric (`evaluator`, `ingest`, ...). */
  readonly serviceName: string;
  readonly settings: FunctionSettings;
}

export type TableAccess = 'read' | 'readWrite';

export const FUNCTION_DEFAULTS = {
  memorySize: 512,
  timeout: Duration.seconds(30),
} as const;


/**
 * The bundle is ESM because the handlers use top-level await and `import.meta`; some dependencies (X-Ray's
 * SDK among them) still call `require`, which an ESM bundle lacks, so the banner recreates it.
 */
const ESM_REQUIRE_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export class PropdeskFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PropdeskFunctionProps) {
    const { tenantId, serviceName, settings, environment, ...rest } = props;
    // An explicit log group (rather than the one Lambda creates on first write) so retention is set from the
    // first line and the group belongs to the stack. It is created beside the function because `this` does
    // not exist before super(); RETAIN keeps a firm's logs for audit if its stack is ever deleted.
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: settings.logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    // Its own role instead of the AWSLambdaBasicExecutionRole managed policy: writing to its one log group
    // is all it may do until a bind helper grants more.
    const role = new Role(scope, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    super(scope, id, {
      memorySize: FUNCTION_DEFAULTS.memorySize,
      timeout: FUNCTION_DEFAULTS.timeout,
      ...rest,
      // Node 22 on Graviton: the current LTS runtime, and arm64 is about 20% cheaper per GB-second.
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      tracing: settings.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      logGroup,
      role,
      environment: {
        // Stack traces point at the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
        TENANT_ID: tenantId,
        POWERTOOLS_SERVICE_NAME: serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_TRACE_ENABLED: String(settings.tracing),
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
    acknowledge(this, 'L1', 'nodejs22.x is the runtime Propdesk is built (esbuild target node22) and tested for; moving to a newer runtime is a deliberate, tested upgrade');
    if (settings.tracing) {
      acknowledge(role, 'IAM5[Resource::*]', 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions');
    }
  }

  /** Sets `envName` to the table's name and grants item reads, or reads and writes. */
  bindTable(table: ITable, access: TableAccess, envName: string): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else table.grantReadWriteData(this);
    acknowledge(this.role!, `IAM5[Resource::<${logicalIdOf(table)}.Arn>/index/*]`, "Queries the table's own secondary indexes (byListing); the grant is scoped to this one table's indexes");
    if (table.encryptionKey) this.acknowledgeKeyGrant();
    return this;
  }

  /** Sets `envName` to the stream's name and grants PutRecord(s) (and the key's encrypt, if it has one). */
  bindStreamWrite(stream: IStream, envName: string): this {
    this.addEnvironment(envName, stream.streamName);
    stream.grantWrite(this);
    if (stream.encryptionKey) this.acknowledgeKeyGrant();
    return this;
  }

  /** CDK's key grants name action families; the resource is always the one firm key. */
  private acknowledgeKeyGrant(): void {
    const reason = "CDK's KMS grant for an encrypted table or stream: the action family is required by the service and the resource is the firm's one data key, not '*'";
    acknowledge(this.role!, 'IAM5[Action::kms:GenerateDataKey*]', reason);
    acknowledge(this.role!, 'IAM5[Action::kms:ReEncrypt*]', reason);
  }

  /** Sets `envName` to the bus's name and grants PutEvents on that bus only. */
  bindBus(bus: IEventBus, envName: string): this {
    this.addEnvironment(envName, bus.eventBusName);
    bus.grantPutEventsTo(this);
    return this;
  }

  /** Sets `envName` to the secret's ARN and grants reading its value (and decrypting it). */
  bindSecretRead(secret: ISecret, envName: string): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /** Sets `envName` to the queue's URL and grants SendMessage on it. */
  bindQueueSend(queue: IQueue, envName: string): this {
    this.addEnvironment(envName, queue.queueUrl);
    queue.grantSendMessages(this);
    return this;
  }
}

/** The logical id cdk-nag prints in a finding's resource (`<LogicalId.Arn>`). */
const logicalIdOf = (construct: IConstruct): string => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
