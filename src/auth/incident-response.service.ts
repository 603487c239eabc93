import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { normaliseEmail } from './auth.service';
import { OAuthClientsRepository } from './oauth/oauth-clients.repository';
import { SessionsRepository } from './sessions/sessions.repository';
import { jwkThumbprint } from './tokens/signing-keys';
import { UsersRepository } from './users/users.repository';

export interface SigningKeyRotation {
  /** New `JWT_PRIVATE_KEY` value (base64 of a PKCS#8 PEM). */
  privateKey: string;
  /** New `JWT_PUBLISHED_PUBLIC_KEYS` value (base64 SPKI PEMs, comma-separated). */
  publishedPublicKeys: string;
  newKid: string;
  oldKid: string;
  sessionsRevoked: number;
  clientsCutOff: number;
}

/**
 * What an operator needs during an incident (docs/monitoring.md "Incident commands"), used by
 * the CLI. Each action takes effect on the NEXT request of every instance, because every
 * request re-checks its session or client in the database (principal.resolver.ts): no cache to
 * wait for. Auditing is done by the caller (the CLI), since auth may not import audit.
 */
@Injectable()
export class IncidentResponseService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly clients: OAuthClientsRepository,
  ) {}

  /** The user's id from an id or an email, or undefined. */
  async findUserId(idOrEmail: string): Promise<string | undefined> {
    const user = idOrEmail.includes('@')
      ? await this.users.findByEmail(normaliseEmail(idOrEmail))
      : UUID.test(idOrEmail)
        ? await this.users.findById(idOrEmail)
        : undefined;
    return user?.id;
  }

  /** Revokes every session of the user: its access and refresh tokens stop at once. */
  async revokeSessions(userId: string): Promise<number> {
    return this.sessions.revokeAll(userId, 'incident');
  }

  /**
   * Disables the account (login answers like a wrong password; tokens of its sessions and of its
   * OAuth clients are refused) and revokes its sessions, so re-enabling it later does not bring
   * a stolen refresh token back to life.
   */
  async disableUser(userId: string): Promise<{ sessionsRevoked: number }> {
    await this.users.setDisabled(userId, true);
    return { sessionsRevoked: await this.sessions.revokeAll(userId, 'disabled') };
  }

  /** Deletes the OAuth client: its secret and every token it holds stop working at once. */
  async revokeClient(clientId: string): Promise<boolean> {
    return UUID.test(clientId) ? this.clients.deleteAny(clientId) : false;
  }

  /**
   * Generates a new ES256 signing key and the configuration that uses it. The key lives in the
   * environment (JWT_PRIVATE_KEY), so the service picks it up at its next start.
   * - Default (planned rotation): the old public key stays published, so tokens it signed keep
   *   verifying until they expire (ACCESS_TOKEN_TTL_SECONDS); nobody is logged out.
   * - `revokeOld` (key compromise, RFC 8725 §3): every session is revoked and every client's
   *   tokens are cut off NOW, in the database, so every token issued so far is refused on the
   *   next request even before the restart; the old key is not published any more.
   */
  async rotateSigningKey(options: { revokeOld: boolean }): Promise<SigningKeyRotation> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const oldPublic = createPublicKey(createPrivateKey(this.config.auth.jwtPrivateKeyPem));
    const pem = (key: string) => Buffer.from(key, 'utf8').toString('base64');
    const published = options.revokeOld
      ? []
      : [
          pem(oldPublic.export({ type: 'spki', format: 'pem' }).toString()),
          // Earlier keys stay only as long as they were meant to: one rotation back is enough
          // when the access-token lifetime is shorter than the rotation interval.
        ];
    let sessionsRevoked = 0;
    let clientsCutOff = 0;
    if (options.revokeOld) {
      sessionsRevoked = await this.sessions.revokeAll(undefined, 'signing_key_rotated');
      clientsCutOff = await this.clients.cutOffTokens(undefined);
    }
    return {
      privateKey: pem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
      publishedPublicKeys: published.join(','),
      newKid: jwkThumbprint(publicKey),
      oldKid: jwkThumbprint(oldPublic),
      sessionsRevoked,
      clientsCutOff,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
