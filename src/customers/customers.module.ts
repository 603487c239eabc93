import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { Customer } from './entities/customer.entity';

/**
 * Customers. Exports only CustomersService (`assertOwned`, `registerExportSection`):
 * nothing outside this folder touches the customers repository. FieldCipher and
 * BlindIndexService come from the global CryptoModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Customer]), AuditModule],
  controllers: [CustomersController],
  providers: [CustomersService],
  exports: [CustomersService],
})
export class CustomersModule {}
