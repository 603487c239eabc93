import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, In, MoreThan, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { TransactionHost } from '../audit/transaction-host';
import { Principal, seesAllOwners } from '../auth/principal';
import { BlindIndexService } from '../crypto/blind-index.service';
import { ProblemException } from '../http/problem';
import { decodeCursor, encodeCursor } from './customer-cursor';
import { maskCustomer, masksCustomerData } from './customer-masking';
import { CustomerFields, CustomerSealer } from './customer-sealer';
import { CreateCustomerDto } from './dto/create-customer.dto';
import {
  CustomerExportDto,
  CustomerPageDto,
  CustomerResponseDto,
} from './dto/customer-response.dto';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';
import { CustomerDataKey } from './entities/customer-data-key.entity';
import { Customer } from './entities/customer.entity';

export const DEFAULT_PAGE_SIZE = 20;

/** A section another module adds to a customer's export (e.g. payments). */
export type CustomerExportSection = (principal: Principal, customerId: string) => Promise<unknown>;

/**
 * Customers, with object-level authorization inside every query (OWASP API1:2023 BOLA): users
 * and their OAuth clients reach only rows with `owner_id = principal.ownerId`; `support` and
 * `admin` reach every row (support masked, customer-masking.ts). A row the caller may not see
 * answers exactly like a row that does not exist: 404.
 *
 * The mutations are `create`, `update` and `remove`: each commits with its audit entry in ONE
 * transaction (`audit.transaction`; a failed audit insert rolls the change back: 503). Inside it
 * every query goes through `repo`, the transaction's repository (docs/audit.md).
 * A 404 whose row exists under another owner is recorded as a denial (`notFoundFor`).
 *
 * Crypto-shredding: each customer has its own data key (CustomerSealer); the fields are sealed
 * under it before the column transformer encrypts them under the key ring. The key row is
 * created with the customer and deleted with it (erasure), in the same transaction.
 */
@Injectable()
export class CustomersService {
  private readonly exportSections = new Map<string, CustomerExportSection>();

  constructor(
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    @InjectRepository(CustomerDataKey) private readonly dataKeys: Repository<CustomerDataKey>,
    private readonly blindIndex: BlindIndexService,
    private readonly sealer: CustomerSealer,
    private readonly audit: AuditService,
    private readonly tx: TransactionHost,
  ) {}

  /** The customers repository of the current transaction (the plain one outside). */
  private get repo(): Repository<Customer> {
    return this.tx.active ? this.tx.repository(Customer) : this.customers;
  }

  /** The data-key repository of the current transaction (the plain one outside). */
  private get keyRepo(): Repository<CustomerDataKey> {
    return this.tx.active ? this.tx.repository(CustomerDataKey) : this.dataKeys;
  }

  async create(principal: Principal, dto: CreateCustomerDto): Promise<CustomerResponseDto> {
    const now = new Date();
    const id = randomUUID();
    const dataKey = this.sealer.newDataKey();
    const fields: CustomerFields = {
      fullName: dto.fullName,
      email: dto.email,
      phone: dto.phone ?? null,
      dateOfBirth: dto.dateOfBirth ?? null,
      nationalId: dto.nationalId ?? null,
      address: dto.address ? { ...dto.address } : null,
    };
    const customer = this.customers.create({
      id,
      // The owner comes from the verified token, never from the body (the DTO has no ownerId).
      ownerId: principal.ownerId,
      ...this.sealer.seal(id, dataKey, fields),
      emailIndex: this.blindIndex.email(dto.email),
      createdAt: now,
      updatedAt: now,
    });
    return this.audit.transaction(async () => {
      await this.repo.insert(customer);
      await this.keyRepo.insert({
        customerId: id,
        wrappedKey: dataKey.toString('base64'),
        createdAt: now,
      });
      await this.audit.record({
        action: 'customers.create',
        resource: { type: 'customers', id: customer.id },
        details: { fields: providedFields(dto) },
      });
      return this.present(principal, customer, fields);
    });
  }

  async list(principal: Principal, query: ListCustomersQueryDto): Promise<CustomerPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const sort = query.sort ?? '-createdAt';
    const direction = sort === 'createdAt' ? 'ASC' : 'DESC';
    const qb = this.repo.createQueryBuilder('c');
    if (!seesAllOwners(principal)) qb.andWhere('c.owner_id = :owner', { owner: principal.ownerId });
    if (query.email !== undefined)
      qb.andWhere('c.email_bidx = :emailIndex', { emailIndex: this.blindIndex.email(query.email) });
    if (query.cursor !== undefined) {
      const cursor = decodeCursor(query.cursor, sort);
      // Keyset pagination on (created_at, id): stable under inserts, no OFFSET scans.
      qb.andWhere(`(c.created_at, c.id) ${direction === 'ASC' ? '>' : '<'} (:at, :id)`, {
        at: cursor.createdAt,
        id: cursor.id,
      });
    }
    const rows = await qb
      .orderBy('c.created_at', direction)
      .addOrderBy('c.id', direction)
      .limit(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const keys = await this.dataKeysOf(page.map((c) => c.id));
    return {
      data: page.map((c) => this.present(principal, c, this.sealer.open(c, keys.get(c.id)))),
      nextCursor:
        rows.length > limit ? encodeCursor({ sort, createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async findOne(
    principal: Principal,
    id: string,
    action = 'customers.read',
  ): Promise<CustomerResponseDto> {
    const customer = await this.load(principal, id, action);
    const keys = await this.dataKeysOf([customer.id]);
    return this.present(principal, customer, this.sealer.open(customer, keys.get(customer.id)));
  }

  async update(
    principal: Principal,
    id: string,
    dto: UpdateCustomerDto,
  ): Promise<CustomerResponseDto> {
    return this.audit.transaction(async () => {
      // Ownership-scoped read first (404 and the denial record as for a read), for the data key.
      const current = await this.load(principal, id, 'customers.update');
      const dataKey = (await this.dataKeysOf([current.id])).get(current.id);
      if (!dataKey) return this.sealer.missingKey(current.id);
      const changes: Partial<Customer> = {
        ...this.sealer.seal(id, dataKey, {
          fullName: dto.fullName,
          email: dto.email,
          phone: dto.phone,
          dateOfBirth: dto.dateOfBirth,
          nationalId: dto.nationalId,
          address: dto.address === undefined ? undefined : dto.address ? { ...dto.address } : null,
        }),
        updatedAt: new Date(),
      };
      if (dto.email !== undefined) changes.emailIndex = this.blindIndex.email(dto.email);
      // Ownership is in the UPDATE's own WHERE as well: no window between a check and the write.
      const result = await this.repo.update(this.visible(principal, id), changes);
      if (!result.affected) throw await this.notFoundFor(principal, id, 'customers.update');
      await this.audit.record({
        action: 'customers.update',
        resource: { type: 'customers', id },
        details: { fields: providedFields(dto) },
      });
      return this.findOne(principal, id, 'customers.update');
    });
  }

  /**
   * Erasure (GDPR art. 17): the row is deleted, not flagged, and its data key with it
   * (ON DELETE CASCADE, same statement): copies of the row elsewhere no longer decrypt.
   * Payments keep only a pseudonymous reference (their foreign key is ON DELETE SET NULL).
   */
  async remove(principal: Principal, id: string): Promise<void> {
    await this.audit.transaction(async () => {
      const result = await this.repo.delete(this.visible(principal, id));
      if (!result.affected) throw await this.notFoundFor(principal, id, 'customers.delete');
      await this.audit.record({ action: 'customers.delete', resource: { type: 'customers', id } });
    });
  }

  /** Data portability (GDPR art. 20): the customer in full plus what other modules hold. */
  async export(principal: Principal, id: string): Promise<CustomerExportDto> {
    const customer = await this.findOne(principal, id, 'customers.export');
    const related: Record<string, unknown> = {};
    for (const [name, section] of this.exportSections) related[name] = await section(principal, id);
    return { exportedAt: new Date().toISOString(), customer, related };
  }

  /**
   * For other modules (payments): resolves when the principal may see this customer, throws the
   * same 404 problem as `GET /v1/customers/:id` otherwise. Ownership rules are the ones above.
   */
  async assertOwned(principal: Principal, customerId: string): Promise<void> {
    const found = await this.repo.exists({ where: this.visible(principal, customerId) });
    if (!found) throw notFound();
  }

  /**
   * Recomputes every email blind index with the current BLIND_INDEX_KEY (blind-index key
   * rotation, docs/encryption.md). Batched by id; only rows whose index differs are written,
   * with the old index in the WHERE (compare-and-set), so a re-run after an interruption or
   * alongside live traffic is safe.
   */
  async reindexEmails(batchSize = 500): Promise<{ scanned: number; updated: number }> {
    let scanned = 0;
    let updated = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await this.customers.find({
        where: after === undefined ? {} : { id: MoreThan(after) },
        order: { id: 'ASC' },
        take: batchSize,
      });
      if (batch.length === 0) break;
      const keys = await this.dataKeysOf(batch.map((c) => c.id));
      for (const customer of batch) {
        const { email } = this.sealer.open(customer, keys.get(customer.id));
        const index = this.blindIndex.email(email);
        if (index === customer.emailIndex) continue;
        const result = await this.customers.update(
          { id: customer.id, emailIndex: customer.emailIndex },
          { emailIndex: index },
        );
        updated += result.affected ?? 0;
      }
      scanned += batch.length;
      after = batch[batch.length - 1].id;
    }
    return { scanned, updated };
  }

  /** Lets another module add its records to the export, e.g. `payments`. */
  registerExportSection(name: string, section: CustomerExportSection): void {
    this.exportSections.set(name, section);
  }

  /** The ownership condition: the one place it is written. */
  private visible(principal: Principal, id: string): FindOptionsWhere<Customer> {
    return seesAllOwners(principal) ? { id } : { id, ownerId: principal.ownerId };
  }

  private async load(principal: Principal, id: string, action: string): Promise<Customer> {
    const customer = await this.repo.findOneBy(this.visible(principal, id));
    if (!customer) throw await this.notFoundFor(principal, id, action);
    return customer;
  }

  /**
   * The same 404 either way; but when the owner-scoped lookup missed and the id exists under
   * another owner, the audit records a denial (OWASP API1 probing). This id-only lookup decides
   * nothing about access: it only labels an answer already decided.
   */
  private async notFoundFor(
    principal: Principal,
    id: string,
    action: string,
  ): Promise<ProblemException> {
    if (!seesAllOwners(principal) && (await this.repo.exists({ where: { id } })))
      this.audit.deniedNotOwner(action, { type: 'customers', id });
    return notFound();
  }

  /** The data keys of these customers, unwrapped (the transformer decrypts `wrapped_key`). */
  private async dataKeysOf(customerIds: string[]): Promise<Map<string, Buffer>> {
    if (customerIds.length === 0) return new Map();
    const rows = await this.keyRepo.findBy({ customerId: In(customerIds) });
    return new Map(rows.map((r) => [r.customerId, Buffer.from(r.wrappedKey, 'base64')]));
  }

  private present(
    principal: Principal,
    customer: Customer,
    fields: CustomerFields,
  ): CustomerResponseDto {
    const view: CustomerResponseDto = {
      id: customer.id,
      ...fields,
      createdAt: customer.createdAt.toISOString(),
      updatedAt: customer.updatedAt.toISOString(),
    };
    return masksCustomerData(principal) ? maskCustomer(view) : view;
  }
}

/** Names of the fields the client sent: what the audit keeps, never their values. */
function providedFields(dto: object): string[] {
  return Object.entries(dto)
    .filter(([, value]) => value !== undefined)
    .map(([key]) => key);
}

/** Identical for "does not exist" and "not yours" (no existence oracle). */
function notFound(): ProblemException {
  return new ProblemException(404, { detail: 'No customer with this id.' });
}
