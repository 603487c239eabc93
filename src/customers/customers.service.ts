import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, Repository } from 'typeorm';
import { Principal, seesAllOwners } from '../auth/principal';
import { BlindIndexService } from '../crypto/blind-index.service';
import { ProblemException } from '../http/problem';
import { decodeCursor, encodeCursor } from './customer-cursor';
import { maskCustomer, masksCustomerData } from './customer-masking';
import { CreateCustomerDto } from './dto/create-customer.dto';
import {
  CustomerExportDto,
  CustomerPageDto,
  CustomerResponseDto,
} from './dto/customer-response.dto';
import { ListCustomersQueryDto } from './dto/list-customers.query.dto';
import { UpdateCustomerDto } from './dto/update-customer.dto';
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
 * The mutations are `create`, `update` and `remove`, each one repository call, so they can be
 * wrapped (audit in the same transaction) without touching the reads.
 */
@Injectable()
export class CustomersService {
  private readonly exportSections = new Map<string, CustomerExportSection>();

  constructor(
    @InjectRepository(Customer) private readonly customers: Repository<Customer>,
    private readonly blindIndex: BlindIndexService,
  ) {}

  async create(principal: Principal, dto: CreateCustomerDto): Promise<CustomerResponseDto> {
    const now = new Date();
    const customer = this.customers.create({
      id: randomUUID(),
      // The owner comes from the verified token, never from the body (the DTO has no ownerId).
      ownerId: principal.ownerId,
      fullName: dto.fullName,
      email: dto.email,
      emailIndex: this.blindIndex.email(dto.email),
      phone: dto.phone ?? null,
      dateOfBirth: parseDate(dto.dateOfBirth),
      nationalId: dto.nationalId ?? null,
      address: dto.address ? { ...dto.address } : null,
      createdAt: now,
      updatedAt: now,
    });
    await this.customers.insert(customer);
    return this.present(principal, customer);
  }

  async list(principal: Principal, query: ListCustomersQueryDto): Promise<CustomerPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const sort = query.sort ?? '-createdAt';
    const direction = sort === 'createdAt' ? 'ASC' : 'DESC';
    const qb = this.customers.createQueryBuilder('c');
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
    return {
      data: page.map((customer) => this.present(principal, customer)),
      nextCursor:
        rows.length > limit ? encodeCursor({ sort, createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  async findOne(principal: Principal, id: string): Promise<CustomerResponseDto> {
    return this.present(principal, await this.load(principal, id));
  }

  async update(
    principal: Principal,
    id: string,
    dto: UpdateCustomerDto,
  ): Promise<CustomerResponseDto> {
    const changes: Partial<Customer> = { updatedAt: new Date() };
    if (dto.fullName !== undefined) changes.fullName = dto.fullName;
    if (dto.email !== undefined) {
      changes.email = dto.email;
      changes.emailIndex = this.blindIndex.email(dto.email);
    }
    if (dto.phone !== undefined) changes.phone = dto.phone;
    if (dto.dateOfBirth !== undefined) changes.dateOfBirth = parseDate(dto.dateOfBirth);
    if (dto.nationalId !== undefined) changes.nationalId = dto.nationalId;
    if (dto.address !== undefined) changes.address = dto.address ? { ...dto.address } : null;
    // Ownership is in the UPDATE's own WHERE: no window between a check and the write.
    const result = await this.customers.update(this.visible(principal, id), changes);
    if (!result.affected) throw notFound();
    return this.findOne(principal, id);
  }

  /**
   * Erasure (GDPR art. 17): the row is deleted, not flagged. Payments keep only a pseudonymous
   * reference (their foreign key is ON DELETE SET NULL).
   */
  async remove(principal: Principal, id: string): Promise<void> {
    const result = await this.customers.delete(this.visible(principal, id));
    if (!result.affected) throw notFound();
  }

  /** Data portability (GDPR art. 20): the customer in full plus what other modules hold. */
  async export(principal: Principal, id: string): Promise<CustomerExportDto> {
    const customer = await this.findOne(principal, id);
    const related: Record<string, unknown> = {};
    for (const [name, section] of this.exportSections) related[name] = await section(principal, id);
    return { exportedAt: new Date().toISOString(), customer, related };
  }

  /**
   * For other modules (payments): resolves when the principal may see this customer, throws the
   * same 404 problem as `GET /v1/customers/:id` otherwise. Ownership rules are the ones above.
   */
  async assertOwned(principal: Principal, customerId: string): Promise<void> {
    const found = await this.customers.exists({ where: this.visible(principal, customerId) });
    if (!found) throw notFound();
  }

  /** Lets another module add its records to the export, e.g. `payments`. */
  registerExportSection(name: string, section: CustomerExportSection): void {
    this.exportSections.set(name, section);
  }

  /** The ownership condition: the one place it is written. */
  private visible(principal: Principal, id: string): FindOptionsWhere<Customer> {
    return seesAllOwners(principal) ? { id } : { id, ownerId: principal.ownerId };
  }

  private async load(principal: Principal, id: string): Promise<Customer> {
    const customer = await this.customers.findOneBy(this.visible(principal, id));
    if (!customer) throw notFound();
    return customer;
  }

  private present(principal: Principal, customer: Customer): CustomerResponseDto {
    const view: CustomerResponseDto = {
      id: customer.id,
      fullName: customer.fullName,
      email: customer.email,
      phone: customer.phone,
      dateOfBirth: customer.dateOfBirth ? customer.dateOfBirth.toISOString().slice(0, 10) : null,
      nationalId: customer.nationalId,
      address: customer.address,
      createdAt: customer.createdAt.toISOString(),
      updatedAt: customer.updatedAt.toISOString(),
    };
    return masksCustomerData(principal) ? maskCustomer(view) : view;
  }
}

function parseDate(value: string | null | undefined): Date | null {
  return value ? new Date(`${value}T00:00:00.000Z`) : null;
}

/** Identical for "does not exist" and "not yours" (no existence oracle). */
function notFound(): ProblemException {
  return new ProblemException(404, { detail: 'No customer with this id.' });
}
