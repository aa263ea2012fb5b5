/**
 * Pure: prices and refunds. Amounts are decimal currency units in the API and the ledger; every sum
 * and comparison is made in whole cents, so that a refund cap is exact and never off by a float.
 */

export function toCents(amount: number): number {
  return Math.round(amount * 100);
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** The cost of recorders × hours at a price, rounded to cents. */
export function deploymentCost(recorders: number, hours: number, price: number): number {
  return fromCents(toCents(recorders * hours * price));
}

/** What an early release gives back of `paid`, in proportion to the time not used, rounded down to cents. */
export function proratedRefund(paid: number, readyAt: number, expiresAt: number, now: number): number {
  if (now >= expiresAt) return 0;
  const share = Math.min(1, (expiresAt - Math.max(now, readyAt)) / (expiresAt - readyAt));
  return fromCents(Math.floor(toCents(paid) * share));
}

/** A refund cut to what is left of the debit: the sum of a deployment's refunds never exceeds it. */
export function cappedRefund(wanted: number, debit: number, refundedSoFar: number): number {
  return fromCents(Math.max(0, Math.min(toCents(wanted), toCents(debit) - toCents(refundedSoFar))));
}
