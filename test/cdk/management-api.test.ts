import { App, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TenantStack } from '../../cdk/stacks/tenant-stack.js';
import { API_ROUTES } from '../../shared/api/routes.js';
import { loadTenantConfig, parseTenantConfig } from '../../cdk/tenant-config.js';

const appWithoutBundling = () => new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [] } });

function tenantStack(identity?: unknown) {
  const demo = loadTenantConfig('demo');
  const config = identity === undefined ? demo : parseTenantConfig({ ...demo, identity }, 'test');
  const stack = new TenantStack(appWithoutBundling(), 'Propdesk-demo', { config });
  const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnResource);
  return { stack, template: Template.fromStack(stack), id };
}

describe('the staff and trader API', () => {
  it('signs users in through a Cognito pool in the stack: invited only, MFA, strong passwords, the four roles as groups', () => {
    const { stack, template, id } = tenantStack();
    const { userPool, userPoolClient } = stack.managementApi;
    if (!userPool || !userPoolClient) throw new Error('the demo tenant builds a user pool');
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        UserPoolName: 'propdesk-demo',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }) },
        UserPoolTier: 'ESSENTIALS',
      }),
    });
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map((group) => group.Properties.GroupName);
    expect(groups.sort()).toEqual(['admin', 'risk', 'service', 'trader']);
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']) });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [{ Ref: id(userPoolClient) }],
        Issuer: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('https://cognito-idp\\.'), { Ref: id(userPool) }])] }),
      },
    });
  });

  it('serves exactly the route table, a JWT required on every route but the public ones', () => {
    const { stack, template, id } = tenantStack();
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter(
      (route) => (route.Properties.ApiId as { Ref: string }).Ref === id(stack.managementApi.api),
    );
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(API_ROUTES.map((route) => `${route.method} ${route.path}`).sort());
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    for (const route of routes) {
      const isPublic = ['GET /v1/health', 'GET /openapi.json', 'GET /docs'].includes(route.Properties.RouteKey as string);
      expect(route.Properties, route.Properties.RouteKey).toMatchObject(isPublic ? { AuthorizationType: 'NONE' } : { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
    }
    const handler = template.findResources('AWS::Lambda::Function')[id(stack.managementApi.handler)];
    expect(handler?.Properties.Environment.Variables).toMatchObject({
      TENANT_ID: 'demo',
      ROLES_CLAIM: 'cognito:groups',
      POWERTOOLS_SERVICE_NAME: 'api',
      TABLE_NAME: { Ref: id(stack.tradePipeline.table) },
      TRADE_STREAM_NAME: { Ref: id(stack.tradePipeline.tradeStream) },
      // Payout requests (PayoutRequested) are published on the firm's bus.
      EVENT_BUS_NAME: { Ref: id(stack.tradePipeline.eventBus) },
    });
    // Overrides go on the trade stream: the API may put records, never read them.
    const roleId = id(stack.managementApi.handler.role!);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const actions = statements.flatMap((statement) => statement.Action);
    expect(actions).toEqual(expect.arrayContaining(['kinesis:PutRecord', 'kinesis:PutRecords', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query']));
    expect(actions.filter((action) => /^kinesis:(GetRecords|GetShardIterator)$|^sqs:/.test(action))).toEqual([]);
    // On the bus it may put events, on the firm's bus only; nothing else there (no rules, no archive replays).
    const onBus = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('events:')));
    expect(onBus).toEqual([expect.objectContaining({ Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [id(stack.tradePipeline.eventBus), 'Arn'] } })]);
    // Its Step Functions rights (answering the payout approval wait) are tested in test/cdk/payout-workflow.test.ts.
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: id(stack.managementApi.api) },
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
      AccessLogSettings: Match.objectLike({ Format: Match.stringLikeRegexp('authorizerError') }),
    });
  });

  it("trusts the firm's own OIDC issuer instead, when the tenant file names one", () => {
    const { stack, template, id } = tenantStack({ provider: 'oidc', issuer: 'https://login.acme.example/', audience: ['propdesk-api'], rolesClaim: 'https://acme.example/roles' });
    expect(stack.managementApi.userPool).toBeUndefined();
    template.resourceCountIs('AWS::Cognito::UserPool', 0);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: ['propdesk-api'], Issuer: 'https://login.acme.example/' },
    });
    const handler = template.findResources('AWS::Lambda::Function')[id(stack.managementApi.handler)];
    expect(handler?.Properties.Environment.Variables.ROLES_CLAIM).toBe('https://acme.example/roles');
  });

  it('turns on Cognito threat protection (the Plus plan) when the firm asks for it', () => {
    const { template } = tenantStack({ provider: 'cognito', threatProtection: true });
    template.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'PLUS', UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' } });
  });

  it('refuses an issuer that is not https', () => {
    expect(() => tenantStack({ provider: 'oidc', issuer: 'http://login.acme.example/', audience: ['x'] })).toThrow(/identity\.issuer/);
  });
});
