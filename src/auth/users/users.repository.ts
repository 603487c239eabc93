import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LivenessCache } from '../liveness/liveness-cache';
import type { Role } from '../principal';

export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  roles: Role[];
  disabled: boolean;
}

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  roles: Role[];
  disabled: boolean;
}

const toRecord = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  roles: row.roles,
  disabled: row.disabled,
});

/** The `users` table; used only inside src/auth (other features see a Principal). */
@Injectable()
export class UsersRepository {
  constructor(
    private readonly db: DataSource,
    private readonly liveness: LivenessCache,
  ) {}

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const rows: UserRow[] = await this.db.query(
      'SELECT id, email, password_hash, roles, disabled FROM users WHERE email = $1',
      [email],
    );
    return rows[0] && toRecord(rows[0]);
  }

  async findById(id: string): Promise<UserRecord | undefined> {
    const rows: UserRow[] = await this.db.query(
      'SELECT id, email, password_hash, roles, disabled FROM users WHERE id = $1',
      [id],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /** Inserts, or does nothing when the email is taken (returns undefined: no enumeration). */
  async insert(email: string, passwordHash: string, roles: Role[]): Promise<string | undefined> {
    const rows: { id: string }[] = await this.db.query(
      `INSERT INTO users (email, password_hash, roles) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [email, passwordHash, roles],
    );
    return rows[0]?.id;
  }

  /** Incident response: a disabled account cannot log in and its tokens are refused. */
  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    // TypeORM answers UPDATE/DELETE with [rows, affected count], not the rows alone.
    const [, affected]: [unknown[], number] = await this.db.query(
      'UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1',
      [id, disabled],
    );
    this.liveness.invalidateAll(); // this instance now; the others by NOTIFY (src/auth/liveness)
    return affected > 0;
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1', [
      id,
      passwordHash,
    ]);
  }
}
