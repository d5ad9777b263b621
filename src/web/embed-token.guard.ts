import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { EmbedDenied, EmbedSession, EmbedSessionService } from './embed-session.service';

type EmbedRequest = {
  headers: Record<string, string | undefined>;
  ip?: string;
  embedSession?: EmbedSession;
};

/**
 * Authenticates `/embed/api/…` calls by the embed token in `Authorization: Bearer …` before anything else (so a
 * caller without a token learns nothing from validation errors): 401 `invalid_embed_token` otherwise.
 */
@Injectable()
export class EmbedTokenGuard implements CanActivate {
  constructor(private readonly sessions: EmbedSessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<EmbedRequest>();
    try {
      req.embedSession = await this.sessions.open(
        EmbedSessionService.bearer(req.headers.authorization),
        req.ip,
      );
    } catch (e) {
      if (e instanceof EmbedDenied)
        throw new AppError('invalid_embed_token', 'the embed token is missing, invalid or expired', 401);
      throw e;
    }
    return true;
  }
}

/**
 * The same for the manager dashboard's `/embed/api/manager/…` calls: a manager token of a team its viewer still
 * manages. A valid token of another kind (a rep's) answers 403 `embed_token_not_for_this_page`.
 */
@Injectable()
export class ManagerEmbedTokenGuard implements CanActivate {
  constructor(private readonly sessions: EmbedSessionService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<EmbedRequest>();
    try {
      req.embedSession = await this.sessions.open(
        EmbedSessionService.bearer(req.headers.authorization),
        req.ip,
        'manager',
      );
    } catch (e) {
      if (e instanceof EmbedDenied && e.denial === 403)
        throw new AppError('embed_token_not_for_this_page', 'this embed token does not open this page', 403);
      if (e instanceof EmbedDenied)
        throw new AppError('invalid_embed_token', 'the embed token is missing, invalid or expired', 401);
      throw e;
    }
    return true;
  }
}

/** The session EmbedTokenGuard (or ManagerEmbedTokenGuard) opened. */
export const CurrentEmbedSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): EmbedSession =>
    ctx.switchToHttp().getRequest<EmbedRequest>().embedSession!,
);
