import { BREACHED_PASSWORDS } from './breached-passwords';

/**
 * The password policy of NIST SP 800-63B §5.1.1.2 and OWASP ASVS V2.1: length is what counts
 * (15..128 characters by default, counted in Unicode code points after NFKC normalisation), any
 * characters are allowed, no composition rules, and a password is refused when it is known to
 * be breached, is a single repeated character or a plain sequence, or contains the account's
 * own email. Returns the reason, or undefined when the password is acceptable.
 */
export interface PasswordPolicyOptions {
  minLength: number;
  maxLength: number;
}

const BREACHED = new Set(BREACHED_PASSWORDS);

/** NFKC, so that visually identical passwords typed on different keyboards hash the same. */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

export function checkPassword(
  password: string,
  email: string | undefined,
  options: PasswordPolicyOptions,
): string | undefined {
  const normalised = normalisePassword(password);
  const length = [...normalised].length;
  if (length < options.minLength) return `must be at least ${options.minLength} characters long`;
  if (length > options.maxLength) return `must be at most ${options.maxLength} characters long`;
  const lower = normalised.toLowerCase();
  if (BREACHED.has(lower)) return 'is in a list of breached passwords; choose another';
  if (isRepetitive(lower)) return 'must not be a repeated character or a short repeated pattern';
  if (isPlainSequence(lower)) return 'must not be a plain sequence of characters';
  if (email) {
    const e = email.trim().toLowerCase();
    const local = e.split('@')[0] ?? '';
    if (lower.includes(e) || (local.length >= 4 && lower === local))
      return 'must not contain your email address';
  }
  return undefined;
}

/** `aaaaaaaaaaaaaaa`, or a unit of up to 4 characters repeated (`abababab...`, `abcabcabc...`). */
function isRepetitive(value: string): boolean {
  const chars = [...value];
  for (let unit = 1; unit <= 4; unit++) {
    if (chars.length < unit * 3) break;
    if (chars.every((c, i) => c === chars[i % unit])) return true;
  }
  return false;
}

/**
 * Every code point one above (or one below) the previous: `abcdefghijklmnop`, `123456789012345`
 * (digits wrap 9 -> 0), `zyxwvutsrqponml`.
 */
function isPlainSequence(value: string): boolean {
  const codes = [...value].map((c) => c.codePointAt(0) ?? 0);
  const step = (a: number, b: number): number => {
    const isDigit = (n: number) => n >= 48 && n <= 57;
    if (isDigit(a) && isDigit(b))
      return (((b - a) % 10) + 10) % 10 === 1 ? 1 : (((a - b) % 10) + 10) % 10 === 1 ? -1 : 0;
    return b - a === 1 ? 1 : a - b === 1 ? -1 : 0;
  };
  const first = step(codes[0], codes[1]);
  if (first === 0) return false;
  for (let i = 1; i < codes.length; i++) if (step(codes[i - 1], codes[i]) !== first) return false;
  return true;
}
