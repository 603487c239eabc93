import { BREACHED_PASSWORDS } from './breached-passwords';
import { checkPassword } from './password-policy';

describe('checkPassword', () => {
  const options = { minLength: 15, maxLength: 128 };
  const check = (password: string, email?: string) => checkPassword(password, email, options);

  it('should accept 15 and 128 characters and refuse 14 and 129', () => {
    expect(check('kq8#Lz2!vRt5Wm')).toMatch(/at least 15/);
    expect(check('kq8#Lz2!vRt5Wmx')).toBeUndefined();
    expect(check('kQ8#lZ2!'.repeat(16))).toBeUndefined();
    expect(check('kQ8#lZ2!'.repeat(16) + 'x')).toMatch(/at most 128/);
  });

  it('should count code points, not UTF-16 units (an emoji is one character)', () => {
    const fourteenEmoji = '🔐🦊🌍🎲🧩🚲🌵🍋🎈🪁🦉🐙🍄🌙';
    expect([...fourteenEmoji]).toHaveLength(14);
    expect(check(fourteenEmoji)).toMatch(/at least 15/);
    expect(check(fourteenEmoji + '⚓')).toBeUndefined();
  });

  it('should refuse breached passwords whatever their case', () => {
    expect(check('passwordpassword')).toMatch(/breached/);
    expect(check('QwertyuiopAsdfgh')).toMatch(/breached/);
    expect(check('123456789012345')).toBeDefined();
  });

  it('should refuse repeated characters, short repeated units and plain sequences', () => {
    expect(check('aaaaaaaaaaaaaaaa')).toMatch(/repeated/);
    expect(check('abababababababab')).toMatch(/repeated/);
    expect(check('abcdefghijklmnopq')).toMatch(/sequence/);
    expect(check('zyxwvutsrqponmlk')).toMatch(/sequence/);
    expect(check('567890123456789')).toMatch(/sequence/);
  });

  it('should refuse a password containing the account email', () => {
    expect(check('ada.lovelace@example.com!', 'Ada.Lovelace@example.com')).toMatch(/email/);
    expect(check('correct llama battery', 'ada@example.com')).toBeUndefined();
  });

  it('should ship several hundred long, lower-case, distinct breached entries', () => {
    expect(BREACHED_PASSWORDS.length).toBeGreaterThanOrEqual(300);
    expect(new Set(BREACHED_PASSWORDS).size).toBe(BREACHED_PASSWORDS.length);
    for (const entry of BREACHED_PASSWORDS) {
      expect(entry.length).toBeGreaterThanOrEqual(15);
      expect(entry).toBe(entry.toLowerCase());
    }
  });
});
