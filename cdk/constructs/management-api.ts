/**
 * The HTTP API for the firm's traders, risk desk and admins. Every route requires a JWT: from the Cognito
 * user pool built here (groups trader, risk, admin, service), or from the firm's own OIDC issuer when the
 * tenant file names one; only the health check and the API's own description are public. One function serves
 * every route of shared/api/routes.ts, and API Gateway gets exactly those routes, so an unknown path never
 * reaches the function.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, HttpNoneAuthorizer, type HttpStage, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccountRecovery, CfnUserPoolGroup, FeaturePlan, Mfa, StandardThreatProtectionMode, UserPool, type UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { API_ROUTES } from '../../shared/api/routes.js';
import { ROLES } from '../../shared/auth/roles.js';
import type { IdentitySettings } from '../tenant-config.js';
import { LoggedHttpApi } from './http-api.js';
import { acknowledge } from './nag.js';
import { type FunctionSettings, PropdeskFunction } from './propdesk-function.js';

export interface ManagementApiProps {
  readonly tenantId: string;
  readonly identity: IdentitySettings;
  readonly throttle: ThrottleSettings;
  readonly functions: FunctionSettings;
  /** The firm's table, read by the routes. */
  readonly table: ITable;
  /** The trade stream: overrides go on it, to be applied in order with the account's trading. */
  readonly tradeStream: IStream;
}

/** Cognito puts a user's groups in this claim of both its ID and access tokens. */
const COGNITO_GROUPS_CLAIM = 'cognito:groups';

export class ManagementApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly authorizer: IHttpRouteAuthorizer;
  /** Present when the firm signs in through Propdesk's own user pool. */
  readonly userPool?: UserPool;
  readonly userPoolClient?: UserPoolClient;
  /** Serves every route. */
  readonly handler: PropdeskFunction;

  constructor(scope: Construct, id: string, props: ManagementApiProps) {
    super(scope, id);
    const { tenantId, identity } = props;

    let rolesClaim: string;
    if (identity.provider === 'cognito') {
      this.userPool = new UserPool(this, 'UserPool', {
        userPoolName: `propdesk-${tenantId}`,
        // Staff and traders are invited by the firm (provisioning, the admin API), never self-registered.
        selfSignUpEnabled: false,
        signInAliases: { email: true },
        signInCaseSensitive: false,
        mfa: Mfa.REQUIRED,
        mfaSecondFactor: { otp: true, sms: false },
        passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
        accountRecovery: AccountRecovery.EMAIL_ONLY,
        featurePlan: identity.threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
        ...(identity.threatProtection ? { standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION } : {}),
        // Who may trade and be paid is the firm's record.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      if (!identity.threatProtection) {
        acknowledge(
          this.userPool,
          'COG8',
          'The Plus plan (threat protection) costs about $0.02 per monthly active user; the firm turns it on with identity.threatProtection in its tenant file',
        );
      }
      for (const role of ROLES) {
        new CfnUserPoolGroup(this, `${role}Group`, { userPoolId: this.userPool.userPoolId, groupName: role, description: `Propdesk role ${role}` });
      }
      this.userPoolClient = this.userPool.addClient('WebClient', {
        // A browser or CLI client: it cannot keep a secret, so it signs in with SRP.
        generateSecret: false,
        authFlows: { userSrp: true },
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(1),
        preventUserExistenceErrors: true,
      });
      this.authorizer = new HttpUserPoolAuthorizer('UserPoolAuthorizer', this.userPool, { userPoolClients: [this.userPoolClient] });
      rolesClaim = COGNITO_GROUPS_CLAIM;
    } else {
      this.authorizer = new HttpJwtAuthorizer('JwtAuthorizer', identity.issuer, { jwtAudience: [...identity.audience] });
      rolesClaim = identity.rolesClaim;
    }

    const logged = new LoggedHttpApi(this, 'Http', {
      description: `Propdesk ${tenantId}: the API for traders, the risk desk and admins`,
      defaultAuthorizer: this.authorizer,
      throttle: props.throttle,
      logRetentionDays: props.functions.logRetentionDays,
    });
    this.api = logged.api;
    this.stage = logged.stage;

    this.handler = new PropdeskFunction(this, 'Handler', {
      tenantId,
      serviceName: 'api',
      settings: props.functions,
      entry: fileURLToPath(new URL('../../functions/api/handler.ts', import.meta.url)),
      description: `Propdesk ${tenantId}: the API for traders, the risk desk and admins`,
      timeout: Duration.seconds(10),
      environment: { ROLES_CLAIM: rolesClaim },
    })
      // Publishes programs, moves risk-queue items, appends the audit log, remembers POST answers by Idempotency-Key.
      .bindTable(props.table, 'readWrite', 'TABLE_NAME')
      .bindStreamWrite(props.tradeStream, 'TRADE_STREAM_NAME');
    const integration = new HttpLambdaIntegration('Integration', this.handler);
    const noToken = new HttpNoneAuthorizer();
    for (const route of API_ROUTES) {
      const [created] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.access === 'public' ? { authorizer: noToken } : {}),
      });
      if (route.access === 'public' && created) {
        acknowledge(created, 'APIG4', `${route.method} ${route.path} is public on purpose: ${route.summary.toLowerCase()}`);
      }
    }
  }
}
