import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError } from '../common/app-error';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.service';
import { TenantScope } from '../database/tenant-scope';
import type { Role } from './api-key.entity';
import { ApiKeysService } from './api-keys.service';
import { Principal, PUBLIC_KEY, ROLES_KEY } from './principal';

/**
 * Global guard: every route needs a valid key (`Authorization: Bearer cpk_…` or `X-Api-Key`) unless @Public(). A
 * missing or refused key counts against the caller's address (AuthFailureLimiter): past the limit, 429 unchecked.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.failures.check(req.ip, 'api_key', () => this.authenticate(readKey(req)));
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      throw new AppError(
        'forbidden',
        `this operation needs one of the roles: ${roles.join(', ')}`,
        HttpStatus.FORBIDDEN,
      );
    }
    req.principal = principal;
    // the rest of the request sees the key's workspace only (row-level security)
    TenantScope.bind(principal.workspaceId);
    return true;
  }

  private async authenticate(presented: string | undefined): Promise<Principal> {
    if (!presented) throw new AppError('unauthenticated', 'an API key is required', HttpStatus.UNAUTHORIZED);
    const principal = await this.keys.authenticate(presented);
    if (principal === 'expired')
      throw new AppError('key_expired', 'the API key has expired', HttpStatus.UNAUTHORIZED);
    if (principal === 'unknown')
      throw new AppError('unauthenticated', 'invalid or revoked API key', HttpStatus.UNAUTHORIZED);
    return principal;
  }
}

/** The presented key: `Authorization: Bearer …` or `X-Api-Key`. */
export function readKey(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' ? x.trim() : undefined;
}
