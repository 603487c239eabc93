/**
 * Reads and validates environment variables, collecting every problem instead of stopping at
 * the first, so a bad deployment is fixed in one round. Error messages name the variable and
 * the rule, never the value (a secret must not reach a log because it was mistyped).
 */
export class EnvReader {
  readonly errors: string[] = [];

  constructor(
    private readonly env: Record<string, string | undefined>,
    private readonly production: boolean,
  ) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.errors.push(`${name} must be an integer`);
      return fallback;
    }
    const parsed = Number(value);
    if (parsed < min || parsed > max) {
      this.errors.push(`${name} must be between ${min} and ${max}`);
      return fallback;
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.errors.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.errors.push(`${name} must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.errors.push(`${name} must use ${protocols.join(' or ')}`);
        return undefined;
      }
      return value;
    } catch {
      this.errors.push(`${name} must be a valid URL`);
      return undefined;
    }
  }

  /**
   * A secret that must be present (outside and inside production: in development the dev-secrets
   * file provides it) and must not be a placeholder shipped in `.env.example`.
   */
  secret(name: string, minLength: number): string {
    const value = this.raw(name);
    if (value === undefined) {
      this.errors.push(`${name} is required`);
      return '';
    }
    this.refusePlaceholder(name, value);
    if (value.length < minLength)
      this.errors.push(`${name} must be at least ${minLength} characters`);
    return value;
  }

  /** A base64 (or base64url) encoded key of at least `minBytes` bytes. */
  key(name: string, minBytes: number): Buffer {
    const value = this.secret(name, 1);
    return this.decodeKey(name, value, minBytes);
  }

  decodeKey(name: string, value: string, minBytes: number): Buffer {
    if (value === '') return Buffer.alloc(0);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
      this.errors.push(`${name} must be base64`);
      return Buffer.alloc(0);
    }
    const decoded = Buffer.from(value, 'base64');
    if (decoded.length < minBytes) {
      this.errors.push(`${name} must decode to at least ${minBytes} bytes`);
    }
    return decoded;
  }

  refusePlaceholder(name: string, value: string): void {
    if (this.production && isPlaceholder(value)) {
      this.errors.push(
        `${name} holds a placeholder value from .env.example; generate a real secret`,
      );
    }
  }
}

/**
 * Every secret in `.env.example` is written as `change-me-...` so that this single rule refuses
 * all of them (a unit test reads `.env.example` and checks that each one is refused).
 */
export function isPlaceholder(value: string): boolean {
  return /change-?me|placeholder|example|secret123|^x+$/i.test(value);
}
