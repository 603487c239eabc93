import { Global, Inject, Module, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { benchmarkPlaintextFields } from '../config/benchmark.config';
import { BlindIndexService } from './blind-index.service';
import { FieldCipher } from './field-cipher';
import { registerFieldCipher, unregisterFieldCipher } from './field-cipher.registry';
import { KeyRing } from './key-ring';
import { KeyRotationService } from './key-rotation.service';

/**
 * Field encryption and blind indexes, built from `config.crypto`. Global because every feature
 * that stores personal data needs it and it knows no feature (STYLE.md module map).
 *
 * The FieldCipher factory also registers the instance for the TypeORM column transformers
 * (field-cipher.registry.ts explains why they cannot be injected), so `@EncryptedColumn` and
 * the services share one cipher. It is registered as it is created, before any module's
 * `onModuleInit` can touch the database.
 */
@Global()
@Module({
  providers: [
    {
      provide: FieldCipher,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const cipher = new FieldCipher(
          new KeyRing(config.crypto.encryptionKeys, config.crypto.activeEncryptionKeyId),
          benchmarkPlaintextFields(config),
        );
        registerFieldCipher(cipher);
        return cipher;
      },
    },
    {
      provide: BlindIndexService,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new BlindIndexService(config.crypto.blindIndexKey),
    },
    KeyRotationService,
  ],
  exports: [FieldCipher, BlindIndexService, KeyRotationService],
})
export class CryptoModule implements OnModuleDestroy {
  constructor(@Inject(FieldCipher) private readonly cipher: FieldCipher) {}

  onModuleDestroy(): void {
    unregisterFieldCipher(this.cipher);
  }
}
