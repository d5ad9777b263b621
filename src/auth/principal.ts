import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Role } from './api-key.entity';

/** Who is calling: always bound to one workspace; reps and managers also to their own rep record. */
export interface Principal {
  keyId: string;
  workspaceId: string;
  role: Role;
  repId: string | null;
}

export const ROLES_KEY = 'callplan:roles';
export const PUBLIC_KEY = 'callplan:public';

/** Restricts a handler to these roles (any authenticated role when absent). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** Marks a handler as reachable without a key (health probes only). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
