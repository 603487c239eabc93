import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ProblemException } from '../../http/problem';
import { AuthEventsService, RequestMeta } from '../auth-events.service';
import { Principal, Scope, SCOPES } from '../principal';
import { isUuid } from '../strategies/principal.resolver';
import { AccessTokenService } from '../tokens/access-token.service';
import { OAuthError } from './oauth-error';
import { OAuthClientRecord, OAuthClientsRepository } from './oauth-clients.repository';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface ClientView {
  client_id: string;
  name: string;
  scopes: Scope[];
  created_at: string;
}

/**
 * OAuth 2.0 clients owned by users, the client-credentials grant (RFC 6749 §4.4) and token
 * revocation (RFC 7009).
 *
 * Client secrets are 256 random bits, stored as HMAC-SHA256 under CLIENT_SECRET_HASH_KEY. A slow
 * password hash (argon2) protects LOW-entropy secrets against guessing; a 256-bit random secret
 * cannot be guessed, so a keyed fast hash is as safe, costs microseconds per token request, and
 * a stolen table without the key is useless (docs/auth.md).
 */
@Injectable()
export class OAuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: OAuthClientsRepository,
    private readonly tokens: AccessTokenService,
    private readonly events: AuthEventsService,
  ) {}

  async createClient(
    owner: Principal,
    name: string,
    scopes: Scope[],
    meta: RequestMeta = {},
  ): Promise<ClientView & { client_secret: string }> {
    // A client can never hold more than its owner (scopes are a subset of the owner's).
    const refused = scopes.filter((s) => !owner.scopes.includes(s));
    if (refused.length > 0)
      throw new ProblemException(403, { detail: `You cannot grant: ${refused.join(', ')}.` });
    const secret = randomBytes(32).toString('base64url');
    const client = await this.clients.create(
      owner.ownerId,
      name,
      [...new Set(scopes)],
      this.hashSecret(secret),
    );
    await this.events.emit({
      ...meta,
      action: 'oauth.client_create',
      outcome: 'success',
      actor: { type: 'user', id: owner.id },
      subjectId: owner.ownerId,
      clientId: client.id,
    });
    return { ...view(client), client_secret: secret };
  }

  /** The owner's clients, one page at a time (`nextCursor` is opaque to clients). */
  async listClients(
    owner: Principal,
    limit = 20,
    cursor?: string,
  ): Promise<{ data: ClientView[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await this.clients.listByOwner(owner.ownerId, limit, after);
    return {
      data: page.clients.map(view),
      nextCursor: page.next
        ? Buffer.from(`${page.next.createdUs}.${page.next.id}`).toString('base64url')
        : null,
    };
  }

  /** 404 alike for a client that does not exist and one of another user (contract). */
  async deleteClient(owner: Principal, clientId: string, meta: RequestMeta = {}): Promise<void> {
    if (!(await this.clients.deleteOwned(clientId, owner.ownerId)))
      throw new ProblemException(404, { detail: 'No such client.' });
    await this.events.emit({
      ...meta,
      action: 'oauth.client_delete',
      outcome: 'success',
      actor: { type: 'user', id: owner.id },
      subjectId: owner.ownerId,
      clientId,
    });
  }

  /** RFC 6749 §2.3.1 client authentication; every failure is the same `invalid_client`. */
  async authenticateClient(
    credentials: ClientCredentials | undefined,
  ): Promise<OAuthClientRecord | undefined> {
    if (!credentials) return undefined;
    const presented = this.hashSecret(credentials.clientSecret);
    const client = isUuid(credentials.clientId)
      ? await this.clients.findForAuthentication(credentials.clientId)
      : undefined;
    if (!client || client.ownerDisabled) return undefined;
    return timingSafeEqual(presented, client.secretHash) ? client : undefined;
  }

  /** RFC 6749 §4.4.3: an access token only, never a refresh token. */
  async clientCredentialsGrant(
    credentials: ClientCredentials | undefined,
    scope: string | undefined,
    meta: RequestMeta = {},
  ): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }> {
    const client = await this.authenticateClient(credentials);
    if (!client) {
      await this.events.emit({
        ...meta,
        action: 'oauth.token',
        outcome: 'denied',
        actor: { type: 'anonymous', id: null },
        clientId: credentials?.clientId.slice(0, 64),
        reason: 'invalid_client',
      });
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
    let scopes = client.scopes;
    if (scope !== undefined) {
      // RFC 6749 §3.3: space-delimited; every requested scope must be one the client holds.
      const requested = scope.split(' ').filter((s) => s !== '');
      const unknown = requested.filter((s) => !client.scopes.includes(s as Scope));
      if (requested.length === 0 || unknown.length > 0)
        throw new OAuthError(
          'invalid_scope',
          'The requested scope exceeds what this client holds.',
        );
      scopes = SCOPES.filter((s) => requested.includes(s));
    }
    const issued = this.tokens.issueForClient(client.id, scopes);
    await this.events.emit({
      ...meta,
      action: 'oauth.token',
      outcome: 'success',
      actor: { type: 'client', id: client.id },
      subjectId: client.ownerId,
      clientId: client.id,
    });
    return {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }

  /**
   * RFC 7009. The token is one of this client's access tokens: its `jti` is recorded as revoked
   * until it would have expired. Unknown, expired, already revoked or someone else's token: 200
   * all the same (§2.2), and nothing changes.
   */
  async revoke(
    credentials: ClientCredentials | undefined,
    token: string,
    meta: RequestMeta = {},
  ): Promise<void> {
    const client = await this.authenticateClient(credentials);
    if (!client) throw new OAuthError('invalid_client', 'Client authentication failed.');
    const claims = this.tokens.verifyOwnToken(token);
    if (
      claims?.client_id === client.id &&
      typeof claims.jti === 'string' &&
      isUuid(claims.jti) &&
      typeof claims.exp === 'number'
    ) {
      await this.clients.revokeToken(claims.jti, client.id, new Date(claims.exp * 1000));
      await this.events.emit({
        ...meta,
        action: 'oauth.revoke',
        outcome: 'success',
        actor: { type: 'client', id: client.id },
        subjectId: client.ownerId,
        clientId: client.id,
      });
    }
  }

  private hashSecret(secret: string): Buffer {
    return createHmac('sha256', this.config.auth.clientSecretKey).update(secret, 'utf8').digest();
  }
}

function decodeCursor(cursor: string): { createdUs: string; id: string } {
  const [createdUs, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  if (!createdUs || !/^[0-9]{1,20}$/.test(createdUs) || !id || !isUuid(id))
    throw new ProblemException(400, {
      slug: 'validation-error',
      title: 'Validation Failed',
      detail: 'The request has invalid or unexpected fields.',
      errors: [{ field: 'cursor', message: 'cursor is not valid' }],
    });
  return { createdUs, id };
}

function view(client: OAuthClientRecord): ClientView {
  return {
    client_id: client.id,
    name: client.name,
    scopes: client.scopes,
    created_at: client.createdAt.toISOString(),
  };
}
