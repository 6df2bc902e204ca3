import { beforeAll, describe, expect, it } from 'vitest';
import { type LocalTemplate, synthesizeLocal } from '../../cdk/local-template.js';
import { loadTenantConfig } from '../../cdk/tenant-config.js';
import { type EventBridgeEvent, LocalEventBus } from '../../local/event-router.js';

const demo = loadTenantConfig('demo');

describe('the demo tenant, synthesized for the local platform', () => {
  let local: LocalTemplate;

  beforeAll(() => {
    local = synthesizeLocal('demo');
  });

  it('describes the stack it synthesized', () => {
    expect(local).toMatchObject({
      tenantId: 'demo',
      stackName: 'Propdesk-demo',
      account: demo.account,
      region: demo.region,
      eventBus: { name: 'propdesk-demo' },
    });
  });

  it('reads the evaluator stream settings from the template', () => {
    expect(local.evaluatorEventSource).toMatchObject({
      BatchSize: 1000,
      MaximumBatchingWindowInSeconds: 0,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      ParallelizationFactor: 1,
      onFailureQueueLogicalId: local.queues.streamFailure,
    });
  });

  it('reads the abuse detectors\u2019 queue settings from the template', () => {
    expect(local.detectorsEventSource).toMatchObject({
      queueLogicalId: local.queues.abuseDetection,
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      maxReceiveCount: 5,
    });
    expect(local.queues.abuseDetectionDeadLetter).not.toBe(local.queues.abuseDetection);
    expect(local.functions.detectors).toMatch(/^AbuseDetectionDetectors/);
  });

  it('reads the rollover schedules with their zones and input', () => {
    const schedules = local.schedules.map(({ expression, timezone, input }) => ({ expression, timezone, input }));
    expect(schedules).toEqual(
      expect.arrayContaining([
        { expression: 'cron(0 0 * * ? *)', timezone: 'Europe/Prague', input: { scheduledTime: '<aws.scheduler.scheduled-time>' } },
        { expression: 'cron(0 17 * * ? *)', timezone: 'America/New_York', input: { scheduledTime: '<aws.scheduler.scheduled-time>' } },
      ]),
    );
    expect(schedules).toHaveLength(2);
  });

  it('reads the bus rules with their patterns and targets: queues, functions and state machines', () => {
    // The rules on the firm's bus (the processor's forwarding rule is on its partner bus): the pipeline's two,
    // the purchase workflow's six, the KYC workflow's KycNeeded, the payout workflow's three and abuse detection's three.
    expect(local.rules).toHaveLength(15);
    for (const rule of local.rules) expect(rule.eventBusLogicalId).toBe(local.eventBus.logicalId);
    const purchase = { kind: 'stateMachine', logicalId: local.stateMachines.purchase.logicalId };
    const kyc = { kind: 'stateMachine', logicalId: local.stateMachines.kyc.logicalId };
    const payout = { kind: 'stateMachine', logicalId: local.stateMachines.payout.logicalId };
    const callbacks = { kind: 'function', logicalId: local.functions.callbacks };
    const key = (targets: readonly object[]) => JSON.stringify(targets);
    expect(local.rules.map((rule) => key(rule.targets)).sort()).toEqual(
      [
        [{ kind: 'queue', logicalId: local.queues.accountOutcomes }],
        [{ kind: 'queue', logicalId: local.queues.riskAlerts }],
        [{ kind: 'queue', logicalId: local.queues.bridgeCommands }],
        // The workflows' outcomes, KYC conclusions included, go beside the evaluator's.
        [{ kind: 'queue', logicalId: local.queues.accountOutcomes }],
        // The bridges' answers.
        [callbacks],
        // Processor payments, Stripe checkouts and passed phases.
        [purchase],
        [purchase],
        [purchase],
        [kyc],
        // The payout workflow: requests start it, its commands go to the processor's queue, and the
        // processor's answers go to the same callbacks function as the bridges'.
        [payout],
        [{ kind: 'queue', logicalId: local.queues.payoutCommands }],
        [callbacks],
        // Abuse detection: closed trades and identity observations to its queue, its alerts to the risk desk's.
        [{ kind: 'queue', logicalId: local.queues.abuseDetection }],
        [{ kind: 'queue', logicalId: local.queues.abuseDetection }],
        [{ kind: 'queue', logicalId: local.queues.riskAlerts }],
      ]
        .map(key)
        .sort(),
    );
    const kycNeeded = local.rules.find((rule) => key(rule.targets) === key([kyc]));
    expect(kycNeeded?.eventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['KycNeeded'] });
    expect(local.stateMachines.kyc.logicalId).not.toBe(local.stateMachines.purchase.logicalId);
    const payoutRequests = local.rules.find((rule) => key(rule.targets) === key([payout]));
    expect(payoutRequests?.eventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['PayoutRequested'] });
    const payoutCommands = local.rules.find((rule) => key(rule.targets) === key([{ kind: 'queue', logicalId: local.queues.payoutCommands }]));
    expect(payoutCommands?.eventPattern).toEqual({ source: ['propdesk.workflows'], 'detail-type': ['PayoutInstructed'] });
    expect(local.rules.filter((rule) => key(rule.targets) === key([callbacks])).map((rule) => rule.eventPattern)).toEqual(
      expect.arrayContaining([
        { source: [{ prefix: 'propdesk.bridge.' }], 'detail-type': ['TradingAccountCreated', 'TradingAccountRefused'] },
        { source: [{ prefix: 'propdesk.processor.' }], 'detail-type': ['PayoutProcessorSettled', 'PayoutProcessorFailed'] },
      ]),
    );
    expect(new Set([purchase, kyc, payout].map((machine) => machine.logicalId)).size).toBe(3);
    expect(local.rules.filter((rule) => key(rule.targets) === key([{ kind: 'queue', logicalId: local.queues.abuseDetection }])).map((rule) => rule.eventPattern)).toEqual([
      { source: ['propdesk.evaluator'], 'detail-type': ['TradeClosed'] },
      { source: [{ prefix: 'propdesk.' }], 'detail-type': ['IdentityObserved'] },
    ]);
  });

  describe('routed by a LocalEventBus built from those rules', () => {
    let bus: LocalEventBus;
    let accountOutcomes: EventBridgeEvent[];
    let riskAlerts: EventBridgeEvent[];

    beforeAll(() => {
      accountOutcomes = [];
      riskAlerts = [];
      bus = new LocalEventBus({ rules: local.rules, account: local.account, region: local.region, now: () => new Date('2026-03-02T17:00:00.250Z') })
        .onTarget(local.queues.accountOutcomes, (event) => void accountOutcomes.push(event))
        .onTarget(local.queues.riskAlerts, (event) => void riskAlerts.push(event));
    });

    it('sends an AccountFailed to account outcomes only, in the EventBridge envelope', async () => {
      const result = await bus.putEvents([
        {
          Source: 'propdesk.evaluator',
          DetailType: 'AccountFailed',
          Detail: JSON.stringify({ accountId: 'acc-1', rule: 'maxLoss' }),
          Resources: ['account/acc-1'],
        },
      ]);
      expect(result.FailedEntryCount).toBe(0);
      expect(riskAlerts).toEqual([]);
      expect(accountOutcomes).toEqual([
        {
          version: '0',
          id: result.Entries[0]?.EventId,
          'detail-type': 'AccountFailed',
          source: 'propdesk.evaluator',
          account: demo.account,
          time: '2026-03-02T17:00:00Z',
          region: demo.region,
          resources: ['account/acc-1'],
          detail: { accountId: 'acc-1', rule: 'maxLoss' },
        },
      ]);
    });

    it('sends a WarningRaised to risk alerts only', async () => {
      await bus.putEvents([{ Source: 'propdesk.evaluator', DetailType: 'WarningRaised', Detail: JSON.stringify({ accountId: 'acc-2' }) }]);
      expect(accountOutcomes).toHaveLength(1);
      expect(riskAlerts.map((event) => event['detail-type'])).toEqual(['WarningRaised']);
    });

    it('counts events no rule matches, refuses malformed entries and archives what it accepted', async () => {
      const result = await bus.putEvents([
        { Source: 'propdesk.evaluator', DetailType: 'DayClosed', Detail: '{}', Time: new Date('2026-03-03T00:00:00Z') },
        // AccountFailed from another source is not an outcome the bridges act on.
        { Source: 'propdesk.replay', DetailType: 'AccountFailed', Detail: '{}' },
        { Source: 'propdesk.evaluator', DetailType: 'AccountFailed', Detail: 'not json' },
      ]);
      expect(result.FailedEntryCount).toBe(1);
      expect(result.Entries[2]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object' });
      expect(bus.unmatchedCount).toBe(2);
      expect(accountOutcomes).toHaveLength(1);
      expect(bus.archive.map((event) => [event.source, event['detail-type'], event.time])).toEqual([
        ['propdesk.evaluator', 'AccountFailed', '2026-03-02T17:00:00Z'],
        ['propdesk.evaluator', 'WarningRaised', '2026-03-02T17:00:00Z'],
        ['propdesk.evaluator', 'DayClosed', '2026-03-03T00:00:00Z'],
        ['propdesk.replay', 'AccountFailed', '2026-03-02T17:00:00Z'],
      ]);
    });
  });

  it('refuses to route to a queue without a handler, and a handler for a queue no rule targets', async () => {
    const bus = new LocalEventBus({ rules: local.rules, account: local.account, region: local.region });
    await expect(bus.putEvents([{ Source: 'propdesk.evaluator', DetailType: 'PhasePassed', Detail: '{}' }])).rejects.toThrow(
      new RegExp(`${local.queues.accountOutcomes} has no handler`),
    );
    expect(() => bus.onTarget(local.queues.quarantine, () => undefined)).toThrow(/no rule targets/);
    await expect(bus.putEvents([])).rejects.toThrow(/1 to 10 entries/);
  });
});
