/**
 * The one error of a failed decryption, whatever went wrong (malformed envelope, unknown key id,
 * wrong table/column binding, altered IV, tag or ciphertext). It deliberately carries no reason:
 * distinguishing failures to a caller would hand an attacker an oracle. The reason is logged by
 * the cipher; the HTTP layer answers a bare 500 problem because this is not an HttpException.
 */
export class DecryptionError extends Error {
  readonly code = 'CRYPTO.DECRYPTION_FAILED';

  constructor() {
    super('Decryption failed');
    this.name = 'DecryptionError';
  }
}
