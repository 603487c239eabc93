/**
 * The Luhn (mod 10) check digit of ISO/IEC 7812 card numbers. It catches every single-digit typo
 * and most transpositions, so a mistyped number is refused with 400 before it ever reaches the
 * processor.
 */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
