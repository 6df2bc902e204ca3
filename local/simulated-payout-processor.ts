/**
 * A payout processor, simulated: it takes the commands its queue receives (PayoutInstructed) and answers on
 * the bus a moment later, as a bank or crypto rail's integration would: settled with a reference, unless
 * told to fail or to stay silent (tests of failures and timeouts).
 */
import { PayoutInstructed } from '../shared/workflows/workflow-events.js';
import type { EventBridgeEvent, LocalEventBus } from './event-router.js';

export type PayoutAnswerPlan = { readonly answer: 'settle' } | { readonly answer: 'fail'; readonly reason: string } | { readonly answer: 'ignore' };

export const LOCAL_PAYOUT_PROCESSOR_SOURCE = 'propdesk.processor.local-payouts';

export class SimulatedPayoutProcessor {
  readonly instructions: PayoutInstructed[] = [];

  constructor(
    private readonly bus: LocalEventBus,
    private readonly plan: (instruction: PayoutInstructed) => PayoutAnswerPlan = () => ({ answer: 'settle' }),
    private readonly delayMs = 20,
    private readonly onError: (error: unknown) => void = (error) => console.error('simulated payout processor:', error),
  ) {}

  receive(event: EventBridgeEvent): void {
    const instruction = PayoutInstructed.parse(event.detail);
    this.instructions.push(instruction);
    const plan = this.plan(instruction);
    if (plan.answer === 'ignore') return;
    setTimeout(() => void this.answer(instruction, plan).catch(this.onError), this.delayMs);
  }

  private async answer({ requestId, payoutId }: PayoutInstructed, plan: Exclude<PayoutAnswerPlan, { answer: 'ignore' }>): Promise<void> {
    const [detailType, detail] =
      plan.answer === 'settle'
        ? ['PayoutProcessorSettled', { requestId, payoutId, reference: `local-transfer-${payoutId}` }]
        : ['PayoutProcessorFailed', { requestId, payoutId, reason: plan.reason }];
    await this.bus.putEvents([{ Source: LOCAL_PAYOUT_PROCESSOR_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }]);
  }
}
