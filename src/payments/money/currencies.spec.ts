import { isSupportedCurrency, isValidAmount, minorUnitExponent } from './currencies';

describe('currencies', () => {
  it('should know the ISO 4217 minor-unit exponent of each supported currency', () => {
    expect(minorUnitExponent('EUR')).toBe(2);
    expect(minorUnitExponent('JPY')).toBe(0);
    expect(minorUnitExponent('KWD')).toBe(3);
  });

  it('should refuse unsupported and malformed currency codes', () => {
    expect(isSupportedCurrency('USD')).toBe(true);
    for (const code of ['usd', 'XXX', 'EURO', '', 'toString', '__proto__', 1, null])
      expect(isSupportedCurrency(code)).toBe(false);
  });

  it('should accept only integer minor units from 1 to 100000000', () => {
    expect(isValidAmount(1)).toBe(true);
    expect(isValidAmount(100_000_000)).toBe(true);
    for (const value of ['100', 1.5, -1, 0, 100_000_001, Infinity, NaN, [100], { v: 100 }, null])
      expect(isValidAmount(value)).toBe(false);
  });
});
