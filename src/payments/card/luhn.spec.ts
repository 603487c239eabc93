import { containsCardNumber, passesLuhn } from './luhn';
import { cardBrandOf } from './card-brand';
import { isCardExpired } from './card-expiry';

describe(passesLuhn.name, () => {
  it.each(['4242424242424242', '4000000000000002', '5555555555554444', '378282246310005'])(
    'should accept the valid test number %s',
    (number) => {
      expect(passesLuhn(number)).toBe(true);
    },
  );

  it.each(['4242424242424241', '4000000000000003', '1234567890123', '', '4242 4242'])(
    'should refuse %j',
    (number) => {
      expect(passesLuhn(number)).toBe(false);
    },
  );
});

describe(cardBrandOf.name, () => {
  it('should name the brand from the leading digits', () => {
    expect(cardBrandOf('4242424242424242')).toBe('visa');
    expect(cardBrandOf('5555555555554444')).toBe('mastercard');
    expect(cardBrandOf('2223003122003222')).toBe('mastercard');
    expect(cardBrandOf('378282246310005')).toBe('amex');
    expect(cardBrandOf('6011111111111117')).toBe('discover');
    expect(cardBrandOf('9999999999999995')).toBe('unknown');
  });
});

describe(isCardExpired.name, () => {
  const now = new Date('2026-11-15T12:00:00Z');

  it('should accept a card through the end of its expiry month', () => {
    expect(isCardExpired(11, 2026, now)).toBe(false);
    expect(isCardExpired(1, 2027, now)).toBe(false);
  });

  it('should refuse a card whose expiry month is over', () => {
    expect(isCardExpired(10, 2026, now)).toBe(true);
    expect(isCardExpired(12, 2025, now)).toBe(true);
  });
});

describe(containsCardNumber.name, () => {
  it.each(['card 4242424242424242 please', 'card 4242 4242 4242 4242', 'card 4242-4242-4242-4242'])(
    'should find a card number in %j',
    (text) => {
      expect(containsCardNumber(text)).toBe(true);
    },
  );

  it.each([
    'Order 1',
    'Invoice 2026-11-27',
    'phone +44 20 7946 0958',
    'order 4242424242424241',
    'ref 99424242424242424242',
  ])('should find none in %j', (text) => {
    expect(containsCardNumber(text)).toBe(false);
  });
});
