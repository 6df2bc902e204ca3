/**
 * Money is a safe integer number of minor units (cents for USD). Percentages are basis points
 * (1% = 100 bps). Volumes are integers in 1/10,000 of a lot, the MetaTrader 5 convention.
 *
 * Rounding rule (the only one in the engine): a percentage of an amount is rounded to the nearest
 * minor unit, halves away from zero. Amounts a trader must still reach (a consistency-extended
 * target) are the smallest whole minor unit that satisfies the rule.
 */
export const BPS = 10_000;

/** Largest amount a program may use, so that amount × bps stays exact in a float64. */
export const MAX_MONEY = 100_000_000_000;

/** amount × bps / 10,000, rounded to the nearest minor unit, halves away from zero. */
export function percentOf(amount: number, bps: number): number {
  const product = amount * bps;
  const quotient = Math.trunc(product / BPS);
  const remainder = product - quotient * BPS;
  if (2 * Math.abs(remainder) >= BPS) return quotient + Math.sign(product);
  return quotient;
}

/** True when used / limit has reached levelBps (integer arithmetic, no division). */
export function reachesShare(used: number, limit: number, levelBps: number): boolean {
  return used * BPS >= levelBps * limit;
}

/** Minor units shown to people: `moneyFormat('USD')(1234567)` is "$12,345.67" (the currency's own decimals). */
export function moneyFormat(currency: string): (minor: number) => string {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const scale = 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2);
  return (minor) => format.format(minor / scale);
}
