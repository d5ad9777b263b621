import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { AccessScopeRepository } from './access-scope.repository';
import { AccessScopeService } from './access-scope.service';
import { ApiKey } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { AuthInvalidationService } from './auth-invalidation.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  controllers: [ApiKeysController],
  providers: [
    ApiKeyRepository,
    AccessScopeRepository,
    ApiKeysService,
    AuthInvalidationService,
    AccessScopeService,
    // in this order: the key's limit needs the caller the key guard found
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ApiKeysService, AccessScopeService, AuthInvalidationService],
})
export class AuthModule {}
