import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { DecryptionError } from './decryption.error';
import { FIELD_KEY_BYTES, KeyRing } from './key-ring';

/** Where a value lives: bound into the ciphertext as additional authenticated data. */
export interface FieldBinding {
  table: string;
  column: string;
}

/** A value under a record's own data key also names its row. */
export interface RowBinding extends FieldBinding {
  rowId: string;
}

export const ENVELOPE_VERSION = 'v1';
/** The key id written in envelopes under a record's data key; reserved in the key ring. */
export const DATA_KEY_ID = 'dk';
const ALGORITHM = 'aes-256-gcm';
/** NIST SP 800-38D §8.2: 96-bit IVs; random IVs are safe well below 2^32 messages per key. */
const IV_BYTES = 12;
/** NIST SP 800-38D §5.2.1.2: the full 128-bit tag, never a truncated one. */
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const ROW_ID = /^[A-Za-z0-9-]{1,64}$/;
/** The benchmark baseline's marker for a value stored in clear (never a key id: `plain`). */
const PLAIN = `${ENVELOPE_VERSION}:plain:`;

/**
 * Authenticated encryption of single column values: AES-256-GCM over node:crypto.
 *
 * Envelope (text): `v1:<kid>:<iv>:<tag>:<ciphertext>`, each binary part base64url.
 * The additional authenticated data is `v1:<kid>:<table>.<column>`, so
 * - a value copied into another column or another table does not decrypt (no swapping a
 *   national id into a name column to get it displayed),
 * - editing the version or key id of an envelope breaks the tag, even when the named key exists.
 *
 * Every failure is one generic `DecryptionError`; the reason is logged here, without values.
 * This class is the ONE code path: the TypeORM column transformer reaches this same instance
 * through the field-cipher registry (field-cipher.registry.ts), the key rotation uses it too.
 */
@Injectable()
export class FieldCipher {
  private readonly logger = new Logger(FieldCipher.name);

  /**
   * @param plaintextForBenchmark `npm run bench` baseline only (BENCHMARK_SECURITY_OFF, refused
   *   in production): values are stored in clear behind a `v1:plain:` marker (the schema's
   *   CHECK constraints want a `v1:` prefix), and read back by stripping it.
   */
  constructor(
    private readonly ring: KeyRing,
    private readonly plaintextForBenchmark = false,
  ) {}

  get activeKeyId(): string {
    return this.ring.activeKeyId;
  }

  encrypt(plaintext: string, binding: FieldBinding): string {
    if (this.plaintextForBenchmark) return PLAIN + plaintext;
    const kid = this.ring.activeKeyId;
    return seal(this.ring.activeKey(), kid, aad(kid, binding), plaintext);
  }

  decrypt(envelope: string, binding: FieldBinding): string {
    if (this.plaintextForBenchmark) return envelope.slice(PLAIN.length);
    const parsed = parseEnvelope(envelope);
    if (!parsed || parsed.kid === DATA_KEY_ID) return this.fail('malformed envelope', binding);
    const key = this.ring.key(parsed.kid);
    if (!key) return this.fail(`unknown key id ${parsed.kid}`, binding);
    return (
      open(key, parsed, aad(parsed.kid, binding)) ?? this.fail('authentication failed', binding)
    );
  }

  /** A fresh random 256-bit data key (for one record; see encryptWithDataKey). */
  generateDataKey(): Buffer {
    return randomBytes(FIELD_KEY_BYTES);
  }

  /**
   * Envelope encryption under a record's own data key (crypto-shredding): `v1:dk:...`, with the
   * row id in the AAD as well, so a value does not decrypt in another row either. The data key
   * itself is stored wrapped by the key ring (an `@EncryptedColumn`); destroying it makes every
   * copy of the record's values unreadable, backups included.
   */
  encryptWithDataKey(dataKey: Buffer, plaintext: string, binding: RowBinding): string {
    if (this.plaintextForBenchmark) return PLAIN + plaintext;
    return seal(checkDataKey(dataKey), DATA_KEY_ID, rowAad(binding), plaintext);
  }

  decryptWithDataKey(dataKey: Buffer, envelope: string, binding: RowBinding): string {
    if (this.plaintextForBenchmark) return envelope.slice(PLAIN.length);
    const parsed = parseEnvelope(envelope);
    if (!parsed || parsed.kid !== DATA_KEY_ID) return this.fail('malformed envelope', binding);
    return (
      open(checkDataKey(dataKey), parsed, rowAad(binding)) ??
      this.fail('authentication failed (data key)', binding)
    );
  }

  /** For a record whose data key is gone (erased): the same generic error, logged. */
  dataKeyMissing(binding: RowBinding): never {
    return this.fail('data key missing (erased record?)', binding);
  }

  /** The key id an envelope names, or undefined when it is not a well-formed envelope. */
  keyIdOf(envelope: string): string | undefined {
    return parseEnvelope(envelope)?.kid;
  }

  /** True when the value is already under the active key (key rotation skips it). */
  isUnderActiveKey(envelope: string): boolean {
    return this.keyIdOf(envelope) === this.ring.activeKeyId;
  }

  private fail(reason: string, binding: FieldBinding): never {
    // Logged for the operator (tampering or a missing key is an incident), never the value.
    this.logger.error(
      { table: binding.table, column: binding.column, reason },
      'Field decryption failed',
    );
    throw new DecryptionError();
  }
}

/**
 * Random IVs drawn from the CSPRNG 4 KiB at a time (341 IVs per draw) instead of one
 * `randomBytes(12)` call each: a create seals 13 values, and each call cost ~5-8 us on the
 * benchmark machine (docs/performance.md), the draw of 4 KiB about the same as one. Every byte
 * of a draw is handed out ONCE, copied, and the pool is refilled only when used up, so IVs stay
 * uniformly random and never repeat by construction: GCM's security collapses on an IV reused
 * under one key (the "forbidden attack"), so an IV is never derived, counted or reused. IVs are
 * public (they are written in the envelope): keeping future ones in memory reveals nothing.
 * Data keys never come from here (`generateDataKey` calls randomBytes).
 */
const IV_POOL = Buffer.alloc(IV_BYTES * 341);
let ivOffset = IV_POOL.length;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  const iv = Buffer.from(IV_POOL.subarray(ivOffset, ivOffset + IV_BYTES)); // a copy
  IV_POOL.fill(0, ivOffset, ivOffset + IV_BYTES); // handed out: not kept
  ivOffset += IV_BYTES;
  return iv;
}

/** AES-256-GCM with a fresh random IV; returns the v1 envelope. */
function seal(key: Buffer, kid: string, additionalData: Buffer, plaintext: string): string {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    ENVELOPE_VERSION,
    kid,
    iv.toString('base64url'),
    tag.toString('base64url'),
    ciphertext.toString('base64url'),
  ].join(':');
}

/** The plaintext, or undefined when the tag does not verify (never unauthenticated output). */
function open(key: Buffer, parsed: ParsedEnvelope, additionalData: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData);
    decipher.setAuthTag(parsed.tag);
    // final() throws when the tag does not verify.
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function checkDataKey(key: Buffer): Buffer {
  if (key.length !== FIELD_KEY_BYTES) throw new Error('A data key must be 32 bytes');
  return key;
}

function rowAad(binding: RowBinding): Buffer {
  if (!ROW_ID.test(binding.rowId)) throw new Error('Row binding needs a row id');
  return Buffer.concat([aad(DATA_KEY_ID, binding), Buffer.from(`:${binding.rowId}`, 'utf8')]);
}

function aad(kid: string, binding: FieldBinding): Buffer {
  if (!IDENTIFIER.test(binding.table) || !IDENTIFIER.test(binding.column))
    throw new Error('Field binding must name a table and a column');
  return Buffer.from(`${ENVELOPE_VERSION}:${kid}:${binding.table}.${binding.column}`, 'utf8');
}

interface ParsedEnvelope {
  kid: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Strict parse: exact version, exact part count, canonical base64url, exact IV and tag sizes. */
function parseEnvelope(envelope: string): ParsedEnvelope | undefined {
  if (typeof envelope !== 'string') return undefined;
  const parts = envelope.split(':');
  if (parts.length !== 5) return undefined;
  const [version, kid, iv64, tag64, ct64] = parts;
  if (version !== ENVELOPE_VERSION || !/^[A-Za-z0-9_-]{1,32}$/.test(kid)) return undefined;
  const iv = decodeCanonical(iv64);
  const tag = decodeCanonical(tag64);
  const ciphertext = decodeCanonical(ct64);
  if (!iv || !tag || !ciphertext) return undefined;
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return undefined;
  return { kid, iv, tag, ciphertext };
}

function decodeCanonical(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  // Node's decoder ignores stray trailing bits, so refuse non-canonical forms: unpadded
  // base64url never has a length of 1 mod 4, and the unused low bits of its last character
  // (4 of them after 2 characters, 2 after 3) must be zero. Same answer as re-encoding and
  // comparing, without the second encoding.
  const rest = text.length % 4;
  if (rest === 1) return undefined;
  if (rest !== 0) {
    const last = BASE64URL_ALPHABET.indexOf(text[text.length - 1]);
    if ((last & (rest === 2 ? 0b1111 : 0b11)) !== 0) return undefined;
  }
  return Buffer.from(text, 'base64url');
}
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
