/**
 * Money is an integer number of minor units (cents, pence, yen) in a currency from this list,
 * never a float: binary floating point cannot represent 0.10 exactly, and rounding drift in a
 * ledger is a bug that only shows up in reconciliation.
 *
 * The list carries each currency's ISO 4217 minor-unit exponent, so clients and reports can
 * turn minor units into a display amount (1999 USD = 19.99; 1999 JPY = 1999; 1999 KWD = 1.999).
 * A currency is supported when the processor settles it; add codes here, not in validators.
 */
export const SUPPORTED_CURRENCIES = {
  AUD: 2,
  CAD: 2,
  CHF: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  KRW: 0,
  KWD: 3,
  BHD: 3,
  NOK: 2,
  NZD: 2,
  PLN: 2,
  SEK: 2,
  USD: 2,
} as const satisfies Record<string, 0 | 2 | 3>;

export type CurrencyCode = keyof typeof SUPPORTED_CURRENCIES;

export const CURRENCY_CODES = Object.keys(SUPPORTED_CURRENCIES).sort() as CurrencyCode[];

/** Bounds of one payment, in minor units (contract: 1..100000000). */
export const MIN_AMOUNT = 1;
export const MAX_AMOUNT = 100_000_000;

export function isSupportedCurrency(code: unknown): code is CurrencyCode {
  return typeof code === 'string' && Object.hasOwn(SUPPORTED_CURRENCIES, code);
}

export function minorUnitExponent(code: CurrencyCode): number {
  return SUPPORTED_CURRENCIES[code];
}

/**
 * A valid amount is a JSON number that is a safe integer within bounds. `"100"` (a string),
 * `1.5`, `-1`, `0`, `1e309` (parsed as Infinity), `NaN`, arrays and objects are all refused.
 */
export function isValidAmount(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isSafeInteger(value) &&
    value >= MIN_AMOUNT &&
    value <= MAX_AMOUNT
  );
}
