/**
 * Propdesk's HTTP APIs (bridge ingest, the staff and trader API) share one shape: a `$default` stage that
 * deploys itself, is throttled, and writes one JSON access-log line per request to its own log group.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, type HttpApiProps, type HttpStage, LogGroupLogDestination, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface LoggedHttpApiProps extends Pick<HttpApiProps, 'description' | 'defaultAuthorizer' | 'defaultAuthorizationScopes'> {
  readonly throttle: ThrottleSettings;
  readonly logRetentionDays: number;
}

/** The HTTP API's own variables, as JSON (CDK's default format is the REST API's). No body, no token. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    sourceIp: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    responseLength: '$context.responseLength',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

export class LoggedHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: LoggedHttpApiProps) {
    super(scope, id);
    const { throttle, logRetentionDays, ...apiProps } = props;
    this.api = new HttpApi(this, 'Api', { ...apiProps, createDefaultStage: false });
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetentionDays as RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: { destination: new LogGroupLogDestination(this.accessLogs), format: ACCESS_LOG_FORMAT },
    });
  }
}
