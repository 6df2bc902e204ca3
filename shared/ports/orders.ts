/**
 * Orders and traders, as the purchase workflow keeps them. An order is claimed once, by the execution that
 * provisions it: a payment event delivered twice (or a workflow step run twice) finds the claim and
 * provisions nothing more. A trader is found by email, or created, with an id derived from the email, so two
 * purchases racing for a new email still make one trader.
 */
export interface TraderProfile {
  readonly traderId: string;
  /** Trimmed and lower-cased. */
  readonly email: string;
  readonly name: string | null;
  readonly createdAt: number;
}

export type OrderStatus = 'provisioning' | 'active' | 'failed';

export interface OrderRecord {
  /** `<processor>:<order id>`, or `phase:<account passed>:<next phase>`. */
  readonly orderKey: string;
  readonly accountId: string;
  readonly traderId: string;
  /** The workflow execution that claimed it: the same execution retrying a step is not a duplicate. */
  readonly executionId: string;
  readonly status: OrderStatus;
  readonly claimedAt: number;
  readonly updatedAt: number;
  /** Why it failed; null otherwise. */
  readonly reason: string | null;
  /** What was paid, for a purchase: minor units and ISO 4217; null for an automatic next phase. */
  readonly payment: { readonly processor: string; readonly paymentId: string; readonly amount: number; readonly currency: string } | null;
}

export type ClaimOutcome = { readonly claimed: true } | { readonly claimed: false; readonly existing: OrderRecord };

export interface OrderBook {
  /** The trader with this email, created if there is none; the first name given is kept. */
  traderByEmail(profile: TraderProfile): Promise<TraderProfile>;
  trader(traderId: string): Promise<TraderProfile | undefined>;
  /** Stores the order unless its key is stored already; then the stored one is returned. */
  claim(order: OrderRecord): Promise<ClaimOutcome>;
  /** Moves the order on (provisioning → active or failed); a repeat of the same move changes nothing. */
  settle(orderKey: string, status: Exclude<OrderStatus, 'provisioning'>, reason: string | null, at: number): Promise<void>;
  order(orderKey: string): Promise<OrderRecord | undefined>;
}
