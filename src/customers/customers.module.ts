import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { CustomersController } from './customers.controller';
import { CustomerSealer } from './customer-sealer';
import { CustomersService } from './customers.service';
import { CustomerDataKey } from './entities/customer-data-key.entity';
import { Customer } from './entities/customer.entity';

/**
 * Customers. Exports only CustomersService (`assertOwned`, `registerExportSection`):
 * nothing outside this folder touches the customers repository. FieldCipher and
 * BlindIndexService come from the global CryptoModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Customer, CustomerDataKey]), AuditModule],
  controllers: [CustomersController],
  providers: [CustomersService, CustomerSealer],
  exports: [CustomersService],
})
export class CustomersModule {}
