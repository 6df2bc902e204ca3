/**
 * Payouts as the payout workflow and the API keep them: one record per request, numbered per account (the
 * number is the claim: two requests racing for the next number get one each, never the same one), moving
 * forward through its states on conditions. A settled record is the ledger entry: gross amount, the split,
 * the processor's reference and time, never changed again.
 */
import type { PayoutGate, PayoutSplit } from '../workflows/payouts.js';
import type { Page, PageRequest } from './page.js';

export const PAYOUT_STATES = ['requested', 'rejected', 'awaitingApproval', 'approved', 'instructed', 'settled', 'failed'] as const;
export type PayoutState = (typeof PAYOUT_STATES)[number];

/** Where a state may go next; anything else is refused. */
export const PAYOUT_MOVES: Readonly<Record<PayoutState, readonly PayoutState[]>> = {
  requested: ['rejected', 'awaitingApproval', 'approved'],
  awaitingApproval: ['approved', 'rejected'],
  approved: ['instructed'],
  instructed: ['settled', 'failed'],
  rejected: [],
  settled: [],
  failed: [],
};

export const PAYOUT_RAILS = ['bank', 'crypto'] as const;
export type PayoutRail = (typeof PAYOUT_RAILS)[number];

export interface PayoutRecord {
  /** `<accountId>:<number>`. */
  readonly payoutId: string;
  readonly accountId: string;
  readonly traderId: string;
  /** 1 for the account's first payout request. */
  readonly number: number;
  readonly state: PayoutState;
  /** Epoch ms. */
  readonly requestedAt: number;
  readonly updatedAt: number;
  /** Gross profit withdrawn, minor units of the account currency. */
  readonly amount: number;
  readonly currency: string;
  readonly rail: PayoutRail;
  /** Where the money goes, as the trader gave it (an IBAN, a wallet address): the processor's to validate. */
  readonly destination: string;
  /** Filled by the evaluation: every gate with its reason. */
  readonly gates: readonly PayoutGate[] | null;
  readonly split: PayoutSplit | null;
  /** Who approved or rejected, and why: 'auto', an analyst's subject, or 'gates'. */
  readonly decision: { readonly by: string; readonly note: string; readonly at: number } | null;
  /** The processor's reference once settled, or why it failed. */
  readonly settlement: { readonly reference: string | null; readonly failure: string | null; readonly at: number } | null;
  /** The account's trading and profitable day counts at the request: the next cycle counts from these. */
  readonly daysAtRequest: { readonly trading: number; readonly profitable: number };
  /** The workflow execution that evaluated it (absent before): a second execution for the same request stops. */
  readonly executionId?: string;
}

export type PayoutChange = Partial<Pick<PayoutRecord, 'gates' | 'split' | 'decision' | 'settlement' | 'executionId'>>;

export type MoveResult = { readonly moved: true; readonly record: PayoutRecord } | { readonly moved: false; readonly record: PayoutRecord | undefined };

export interface PayoutLedger {
  /** Stores a new request under its number; false (storing nothing) when that number is taken. */
  create(record: PayoutRecord): Promise<boolean>;
  get(payoutId: string): Promise<PayoutRecord | undefined>;
  /** The account's payouts, newest first. */
  listForAccount(accountId: string, page: PageRequest): Promise<Page<PayoutRecord>>;
  /** Payouts in one state across the firm, oldest first (the analysts' queue is `awaitingApproval`). */
  listByState(state: PayoutState, page: PageRequest): Promise<Page<PayoutRecord>>;
  /**
   * Moves the payout from `from` to `to` with the change, on the condition that it is still in `from`. A move
   * repeated (the same from and to, the record already in `to`) answers moved: false with the record, so a
   * retried step can tell its own earlier move from someone else's.
   */
  move(payoutId: string, from: PayoutState, to: PayoutState, change: PayoutChange, at: number): Promise<MoveResult>;
}

export const payoutIdOf = (accountId: string, number: number) => `${accountId}:${number}`;

/** The account and number a payout id names, or undefined for an id this ledger never gave out. */
export function parsePayoutId(payoutId: string): { readonly accountId: string; readonly number: number } | undefined {
  const match = /^(.+):([1-9]\d{0,5})$/.exec(payoutId);
  return match === null ? undefined : { accountId: match[1]!, number: Number(match[2]) };
}

/** Where the payout workflow parks its task tokens: waiting for an analyst's decision, and for the processor's settlement. */
export const payoutApprovalTokenId = (payoutId: string) => `approve:${payoutId}`;
export const payoutSettlementTokenId = (payoutId: string) => `settle:${payoutId}`;
