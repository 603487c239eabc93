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

/**
 * True when free text holds something that looks like a card number: 12 to 19 digits, possibly
 * grouped by spaces or dashes, that pass the Luhn check. Used to refuse a card number pasted into
 * a description, which would otherwise be stored in clear (PCI DSS 3.4).
 */
export function containsCardNumber(text: string): boolean {
  for (const match of text.matchAll(/\d(?:[ -]?\d)*/g)) {
    const digits = match[0].replace(/[ -]/g, '');
    // Whole runs only: scanning every window of a long reference number would refuse one in ten
    // innocent numbers by chance. A 12..19-digit run has a 1 in 10 chance too; the 400 says why.
    if (digits.length >= 12 && digits.length <= 19 && passesLuhn(digits)) return true;
  }
  return false;
}
