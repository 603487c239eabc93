import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CustomersController } from './customers.controller';
import { CustomersService } from './customers.service';
import { Customer } from './entities/customer.entity';

/**
 * Customers. Exports only CustomersService (`assertOwned`, `registerExportSection`):
 * nothing outside this folder touches the customers repository. FieldCipher and
 * BlindIndexService come from the global CryptoModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Customer])],
  controllers: [CustomersController],
  providers: [CustomersService],
  exports: [CustomersService],
})
export class CustomersModule {}
