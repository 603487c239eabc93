import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ProblemException } from '../http/problem';
import { AuthEventsService, RequestMeta } from './auth-events.service';
import { checkPassword } from './passwords/password-policy';
import { PasswordHasher } from './passwords/password-hasher';
import { Principal, Role, ROLES, SCOPES } from './principal';
import { SessionsRepository } from './sessions/sessions.repository';
import { AccessTokenService } from './tokens/access-token.service';
import { UsersRepository } from './users/users.repository';

/** The token pair of a login or refresh (RFC 6749 §5.1 field names). */
export interface TokenPair {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

/** Normalises an email for storage and lookup: trimmed, NFKC, lower case (unique that way). */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

/** SHA-256 of a high-entropy opaque token: what the database stores instead of the token. */
export function hashOpaqueToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The ONE answer to every failed login: unknown email, wrong password and disabled account are
 * indistinguishable (OWASP Authentication Cheat Sheet). Lock-out and rate limiting hook onto the
 * login route and the `auth.login` denied event; they do not live here.
 */
export class InvalidCredentials extends ProblemException {
  constructor() {
    super(401, {
      slug: 'invalid-credentials',
      title: 'Unauthorized',
      detail: 'The email or password is incorrect.',
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
  }
}

/** A refresh token that is unknown, spent, revoked or expired: one identical answer. */
export class InvalidRefreshToken extends ProblemException {
  constructor() {
    super(401, {
      slug: 'invalid-token',
      title: 'Unauthorized',
      detail: 'The refresh token is invalid or expired.',
      headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    });
  }
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: AccessTokenService,
    private readonly events: AuthEventsService,
  ) {}

  /** Refuses a password against the policy with a 400 naming the field. */
  assertPasswordAcceptable(password: string, email: string): void {
    const reason = checkPassword(password, email, {
      minLength: this.config.auth.passwordMinLength,
      maxLength: this.config.auth.passwordMaxLength,
    });
    if (reason)
      throw new ProblemException(400, {
        slug: 'validation-error',
        title: 'Validation Failed',
        detail: 'The password does not meet the password policy.',
        errors: [{ field: 'password', message: `password ${reason}` }],
      });
  }

  /**
   * Self-registration (role `user`). The caller learns nothing about whether the email already
   * had an account: the answer is the same, an existing account is untouched, and the password
   * is hashed in both cases so the timing matches too.
   */
  async register(emailInput: string, password: string, meta: RequestMeta = {}): Promise<void> {
    const email = normaliseEmail(emailInput);
    this.assertPasswordAcceptable(password, email);
    const hash = await this.hasher.hash(password);
    const id = await this.users.insert(email, hash, ['user']);
    await this.events.emit({
      ...meta,
      action: 'auth.register',
      outcome: 'success',
      actor: { type: 'anonymous', id: null },
      email,
      ...(id ? { subjectId: id } : { reason: 'email_taken' }),
    });
  }

  /** Creates an account with a given role (CLI and test helpers; no HTTP route does this). */
  async createUser(input: { email: string; password: string; role: Role }): Promise<string> {
    if (!ROLES.includes(input.role))
      throw new ProblemException(400, { detail: `Unknown role: ${String(input.role)}` });
    const email = normaliseEmail(input.email);
    this.assertPasswordAcceptable(input.password, email);
    const id = await this.users.insert(email, await this.hasher.hash(input.password), [input.role]);
    if (!id) throw new ProblemException(409, { detail: 'An account with this email exists.' });
    return id;
  }

  /** Every failure leaves through `InvalidCredentials`, after exactly one argon2 verification. */
  async login(emailInput: string, password: string, meta: RequestMeta = {}): Promise<TokenPair> {
    const email = normaliseEmail(emailInput);
    const user = await this.users.findByEmail(email);
    let reason: string | undefined;
    if (!user) {
      await this.hasher.verifyDummy(password);
      reason = 'unknown_email';
    } else if (!(await this.hasher.verify(user.passwordHash, password))) {
      reason = 'wrong_password';
    } else if (user.disabled) {
      reason = 'disabled';
    }
    if (reason || !user) {
      await this.events.emit({
        ...meta,
        action: 'auth.login',
        outcome: 'denied',
        actor: { type: 'anonymous', id: null },
        email,
        subjectId: user?.id,
        reason,
      });
      throw new InvalidCredentials();
    }
    // OWASP Password Storage: upgrade a hash made with weaker parameters while we hold the password.
    if (this.hasher.needsRehash(user.passwordHash))
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(password));

    const refreshToken = newRefreshToken();
    const sessionId = await this.sessions.create(
      user.id,
      hashOpaqueToken(refreshToken),
      this.config.auth.refreshTokenIdleTtlSeconds,
      this.config.auth.sessionAbsoluteTtlSeconds,
    );
    await this.events.emit({
      ...meta,
      action: 'auth.login',
      outcome: 'success',
      actor: { type: 'user', id: user.id },
      subjectId: user.id,
      email,
      sessionId,
    });
    return this.pair(user.id, sessionId, user.roles, refreshToken);
  }

  /**
   * Rotates a refresh token (RFC 9700 §4.14.2). A spent token presented again means it was
   * stolen or replayed: the whole session is revoked, access tokens included.
   */
  async refresh(refreshToken: string, meta: RequestMeta = {}): Promise<TokenPair> {
    const oldHash = hashOpaqueToken(refreshToken);
    const next = newRefreshToken();
    const rotated = await this.sessions.rotate(
      oldHash,
      hashOpaqueToken(next),
      this.config.auth.refreshTokenIdleTtlSeconds,
    );
    if (rotated) {
      const user = await this.users.findById(rotated.userId);
      if (user && !user.disabled) {
        await this.events.emit({
          ...meta,
          action: 'auth.refresh',
          outcome: 'success',
          actor: { type: 'user', id: user.id },
          subjectId: user.id,
          sessionId: rotated.sessionId,
        });
        return this.pair(user.id, rotated.sessionId, user.roles, next);
      }
      await this.sessions.revoke(rotated.sessionId, 'disabled');
    } else {
      const spent = await this.sessions.findSessionOfSpentToken(oldHash);
      if (spent) {
        await this.sessions.revoke(spent.sessionId, 'refresh_reuse');
        await this.events.emit({
          ...meta,
          action: 'auth.refresh_reuse',
          outcome: 'denied',
          actor: { type: 'anonymous', id: null },
          subjectId: spent.userId,
          sessionId: spent.sessionId,
          reason: 'spent_refresh_token',
        });
        throw new InvalidRefreshToken();
      }
    }
    await this.events.emit({
      ...meta,
      action: 'auth.refresh',
      outcome: 'denied',
      actor: { type: 'anonymous', id: null },
      reason: 'invalid_refresh_token',
    });
    throw new InvalidRefreshToken();
  }

  /** Revokes the caller's session: its access and refresh tokens stop working at once. */
  async logout(principal: Principal, meta: RequestMeta = {}): Promise<void> {
    if (principal.type !== 'user' || !principal.sessionId)
      throw new ProblemException(403, { detail: 'Only a user session can log out.' });
    await this.sessions.revoke(principal.sessionId, 'logout');
    await this.events.emit({
      ...meta,
      action: 'auth.logout',
      outcome: 'success',
      actor: { type: 'user', id: principal.id },
      subjectId: principal.id,
      sessionId: principal.sessionId,
    });
  }

  /** The Principal of a user found by email (CLI: acting for that user, e.g. client:create). */
  async principalForEmail(emailInput: string): Promise<Principal | undefined> {
    const user = await this.users.findByEmail(normaliseEmail(emailInput));
    if (!user || user.disabled) return undefined;
    return { type: 'user', id: user.id, ownerId: user.id, roles: user.roles, scopes: [...SCOPES] };
  }

  async me(principal: Principal): Promise<{ id: string; email: string; roles: Role[] }> {
    const user = await this.users.findById(principal.ownerId);
    if (!user) throw new ProblemException(404);
    return { id: user.id, email: user.email, roles: user.roles };
  }

  private pair(userId: string, sessionId: string, roles: Role[], refreshToken: string): TokenPair {
    const access = this.tokens.issueForUser(userId, sessionId, roles);
    return {
      access_token: access.token,
      token_type: 'Bearer',
      expires_in: access.expiresIn,
      refresh_token: refreshToken,
    };
  }
}

/** 256 random bits, base64url: opaque, unguessable, never a JWT. */
function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}
