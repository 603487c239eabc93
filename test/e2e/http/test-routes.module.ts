import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Public } from '../../../src/auth/decorators/public.decorator';
import { FORM_BODY } from '../../../src/http/http-pipeline';

/**
 * Test-only routes, mounted through `startTestApp({ extraModules: [TestRoutesModule] })` and never
 * part of the production app: a route that fails with an internal error, and a strict DTO.
 */

export const SLOW_ROUTE_MS = 600;

/** The message, the class name and the "SQL" must never reach a client. */
export const LEAKY_MESSAGE = 'relation "users_secret" does not exist: SELECT password FROM users';
export class LeakyDriverError extends Error {
  constructor() {
    super(LEAKY_MESSAGE);
    this.name = 'LeakyDriverError';
  }
}

class AddressDto {
  @IsString()
  @MaxLength(100)
  readonly city!: string;
}

export class EchoDto {
  @IsString()
  @MaxLength(100)
  readonly name!: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  readonly count?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  readonly address?: AddressDto;
}

@Public()
@Controller({ path: 'test-only', version: '1' })
export class TestRoutesController {
  constructor(private readonly dataSource: DataSource) {}

  /** Takes a while, then needs the database: a request in flight during a shutdown. */
  @Get('slow')
  async slow(): Promise<{ db: number }> {
    await new Promise((resolve) => setTimeout(resolve, SLOW_ROUTE_MS));
    const [row] = await this.dataSource.query<{ one: number }[]>('SELECT 1 AS one');
    return { db: row.one };
  }

  @Get('boom')
  boom(): never {
    throw new LeakyDriverError();
  }

  @Post('echo')
  echo(@Body() body: EchoDto): EchoDto {
    return body;
  }

  @Post('form')
  @RouteConfig({ [FORM_BODY]: true })
  form(@Body() body: Record<string, string>): { keys: string[] } {
    return { keys: Object.keys(body).sort() };
  }
}

@Module({ controllers: [TestRoutesController] })
export class TestRoutesModule {}
