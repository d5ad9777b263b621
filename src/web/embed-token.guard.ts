import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { EmbedDenied, EmbedSession, EmbedSessionService } from './embed-session.service';
import type { EmbedKind } from './embed-token';

type EmbedRequest = {
  headers: Record<string, string | undefined>;
  ip?: string;
  embedSession?: EmbedSession;
};

/**
 * Opens the embed session of `kind` from `Authorization: Bearer …` before anything else (so a caller without a token
 * learns nothing from validation errors). A missing, invalid or expired token is 401 `invalid_embed_token`; a valid
 * token of another kind is 403 `embed_token_not_for_this_page` where `wrongKindIs403`, else 401 like any bad token.
 */
async function openEmbedSession(
  sessions: EmbedSessionService,
  ctx: ExecutionContext,
  kind: EmbedKind,
  wrongKindIs403: boolean,
): Promise<true> {
  const req = ctx.switchToHttp().getRequest<EmbedRequest>();
  try {
    req.embedSession = await sessions.open(
      EmbedSessionService.bearer(req.headers.authorization),
      req.ip,
      kind,
    );
  } catch (e) {
    if (e instanceof EmbedDenied && e.denial === 403 && wrongKindIs403)
      throw new AppError('embed_token_not_for_this_page', 'this embed token does not open this page', 403);
    if (e instanceof EmbedDenied)
      throw new AppError('invalid_embed_token', 'the embed token is missing, invalid or expired', 401);
    throw e;
  }
  return true;
}

/**
 * Authenticates the rep workspace's `/embed/api/…` calls by a rep's embed token. Every refusal is 401 (the rep API
 * has only ever answered 401, and its clients treat it as "ask for a new token").
 */
@Injectable()
export class EmbedTokenGuard implements CanActivate {
  constructor(private readonly sessions: EmbedSessionService) {}

  canActivate(ctx: ExecutionContext): Promise<boolean> {
    return openEmbedSession(this.sessions, ctx, 'rep', false);
  }
}

/**
 * The same for the manager dashboard's `/embed/api/manager/…` calls: a manager token of a team its viewer still
 * manages. A valid token of another kind (a rep's) answers 403 `embed_token_not_for_this_page`.
 */
@Injectable()
export class ManagerEmbedTokenGuard implements CanActivate {
  constructor(private readonly sessions: EmbedSessionService) {}

  canActivate(ctx: ExecutionContext): Promise<boolean> {
    return openEmbedSession(this.sessions, ctx, 'manager', true);
  }
}

/** The session EmbedTokenGuard (or ManagerEmbedTokenGuard) opened. */
export const CurrentEmbedSession = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): EmbedSession =>
    ctx.switchToHttp().getRequest<EmbedRequest>().embedSession!,
);
