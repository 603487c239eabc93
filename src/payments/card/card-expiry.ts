/**
 * A card is valid through the last day of its expiry month (ISO/IEC 7813), so it has expired
 * only once that month is over. Compared in UTC: a card expiring this month is still accepted.
 */
export function isCardExpired(expMonth: number, expYear: number, now: Date = new Date()): boolean {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  return expYear < year || (expYear === year && expMonth < month);
}
