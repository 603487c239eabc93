import { ArgumentMetadata } from '@nestjs/common';
import { createValidationPipe } from '../../http/validation.pipe';
import { ProblemException } from '../../http/problem';
import { CreatePaymentDto } from './create-payment.dto';

const metadata: ArgumentMetadata = { type: 'body', metatype: CreatePaymentDto };
const nextYear = new Date().getUTCFullYear() + 1;
const valid = {
  customerId: '0b6f1c51-8a4d-4a3e-9f3b-8a5c2d1e0f00',
  amount: 1999,
  currency: 'EUR',
  card: { number: '4242424242424242', expMonth: 12, expYear: nextYear, cvc: '123' },
};

async function errorsFor(body: unknown): Promise<{ field: string; message: string }[]> {
  try {
    await createValidationPipe().transform(body, metadata);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    const problem = (error as ProblemException).problem;
    return problem.errors ?? [];
  }
  throw new Error('expected a validation error');
}

describe(CreatePaymentDto.name, () => {
  it('should accept a valid payment', async () => {
    await expect(createValidationPipe().transform(valid, metadata)).resolves.toBeInstanceOf(
      CreatePaymentDto,
    );
  });

  it.each([
    ['"100"', '100'],
    ['1.5', 1.5],
    ['-1', -1],
    ['0', 0],
    ['1e309', Infinity],
    ['100000001', 100_000_001],
    ['an array', [100]],
    ['an object', { value: 100 }],
    ['null', null],
  ])('should refuse the amount %s', async (_label, amount) => {
    const errors = await errorsFor({ ...valid, amount });
    expect(errors.map((e) => e.field)).toEqual(['amount']);
  });

  it.each(['eur', 'XXX', 'EURO', '', 978])('should refuse the currency %j', async (currency) => {
    const errors = await errorsFor({ ...valid, currency });
    expect(errors.map((e) => e.field)).toEqual(['currency']);
  });

  it.each([
    ['a Luhn failure', { number: '4242424242424241' }],
    ['11 digits', { number: '42424242424' }],
    ['20 digits', { number: '42424242424242424242' }],
    ['spaces', { number: '4242 4242 4242 4242' }],
    ['a number type', { number: 4242424242424242 }],
  ])('should refuse a card number with %s', async (_label, card) => {
    const errors = await errorsFor({ ...valid, card: { ...valid.card, ...card } });
    expect(errors.map((e) => e.field)).toEqual(['card.number']);
  });

  it('should refuse an expired card and bad cvc', async () => {
    const expired = await errorsFor({
      ...valid,
      card: { ...valid.card, expMonth: 1, expYear: 2020 },
    });
    expect(expired).toEqual([{ field: 'card.expYear', message: 'the card has expired' }]);
    const cvc = await errorsFor({ ...valid, card: { ...valid.card, cvc: '12' } });
    expect(cvc.map((e) => e.field)).toEqual(['card.cvc']);
  });

  it('should never echo the card number or cvc in an error', async () => {
    const errors = await errorsFor({
      ...valid,
      amount: 0,
      card: { number: '4242424242424241', expMonth: 13, expYear: nextYear, cvc: '98765' },
    });
    const text = JSON.stringify(errors);
    expect(text).not.toContain('4242424242424241');
    expect(text).not.toContain('98765');
  });

  it('should refuse unknown properties, in the card too', async () => {
    const errors = await errorsFor({ ...valid, card: { ...valid.card, holder: 'x' } });
    expect(errors).toEqual([{ field: 'card.holder', message: 'is not allowed' }]);
  });

  it('should refuse a missing or non-object card', async () => {
    for (const card of [undefined, '4242424242424242', [valid.card]]) {
      const errors = await errorsFor({ ...valid, card });
      expect(errors.map((e) => e.field)).toContain('card');
    }
  });
});
