import { Inject, Injectable } from '@nestjs/common';
import { AccessScopeService } from '../auth/access-scope.service';
import { ApiKeysService } from '../auth/api-keys.service';
import { Principal } from '../auth/principal';
import { AuthFailureLimiter } from '../rate-limit/auth-failure-limiter.service';
import { AppError } from '../common/app-error';
import { isUuid } from '../common/uuid';
import { TenantScope } from '../database/tenant-scope';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { resolveEmbedSettings } from '../workspaces/embed-settings';
import { Workspace } from '../workspaces/workspace.entity';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { embedKey } from './embed-key';
import { EmbedClaims, embedKind, EmbedKind, verifyEmbedToken } from './embed-token';
import { PageLocale, pageLocale } from './page-labels';

/**
 * What an embed token opens: a rep token the rep it was minted for, acting as that rep, on that rep's items only; a
 * manager token the dashboard of one team, acting as the manager (or admin) it names, within their scope.
 */
export interface EmbedSession {
  claims: EmbedClaims;
  kind: EmbedKind;
  /** the team of a manager token (null on rep tokens) */
  team: { id: string; externalId: string; name: string } | null;
  /** the rep as a principal of their own role; callers still restrict objects to `claims.repId` */
  viewer: Principal;
  workspace: Workspace;
  rep: { id: string; externalId: string; name: string };
  locale: PageLocale;
  /** `settings.embed.frameAncestors` of the workspace */
  frameAncestors: string[];
  /** tokens minted by integration keys show masked data and record nothing */
  readOnly: boolean;
}

/**
 * A refused token: 401 (missing, bad, expired, revoked key, inactive rep); 403 for a good token on the wrong page
 * (a rep token on the dashboard, a manager token on the call list) or a team no longer the viewer's.
 */
export class EmbedDenied extends AppError {
  constructor(readonly denial: 401 | 403) {
    super('invalid_embed_token', 'the embed token is missing, invalid or expired', denial);
  }
}

/**
 * Token → session, shared by every embeddable page and its `/embed/api` calls (the token arrives as `?token=` on
 * the page and as `Authorization: Bearer <token>` from the page's script). Revocation is immediate: the minting
 * key must still work and the rep be active on every use.
 */
@Injectable()
export class EmbedSessionService {
  private readonly key: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly scope: AccessScopeService,
    private readonly keys: ApiKeysService,
    private readonly workspaces: WorkspacesService,
    private readonly failures: AuthFailureLimiter,
  ) {
    this.key = embedKey(config);
  }

  get signingKey(): Buffer {
    return this.key;
  }

  /**
   * The session of a token presented from `ip`: a token refused with 401 counts against the address like a bad
   * key (rate-limit/), and a blocked address gets 429 before the token is looked at.
   */
  open(token: string | undefined, ip: string | undefined, kind: EmbedKind = 'rep'): Promise<EmbedSession> {
    return this.failures.check(ip, 'embed_token', () => this.verify(token, kind));
  }

  private async verify(token: string | undefined, kind: EmbedKind): Promise<EmbedSession> {
    const claims = token ? verifyEmbedToken(token, this.key) : null;
    // the token is signed: the rest of the request sees its workspace's rows only (row-level security)
    if (claims && isUuid(claims.workspaceId)) TenantScope.bind(claims.workspaceId);
    if (
      !claims ||
      !(await this.keys.keyUsable(claims.workspaceId, claims.keyId)) ||
      !(await this.keys.repActive(claims.workspaceId, claims.repId))
    )
      throw new EmbedDenied(401);
    const viewer = await this.scope.repPrincipal(claims.workspaceId, claims.repId, claims.keyId);
    if (!viewer) throw new EmbedDenied(401);
    if (embedKind(claims) !== kind) throw new EmbedDenied(403);
    const team = kind === 'manager' ? await this.managedTeam(viewer, claims.teamId) : null;
    const workspace = await this.workspaces.byId(claims.workspaceId);
    const rep = await this.scope.readableRep(viewer, claims.repId);
    const full = await this.workspaces.repByExternalId(claims.workspaceId, rep.externalId);
    let frameAncestors: string[];
    try {
      frameAncestors = resolveEmbedSettings(workspace.settings?.embed).frameAncestors;
    } catch {
      frameAncestors = ["'none'"]; // a stored value the validator now refuses: framing off rather than open
    }
    return {
      claims,
      kind,
      team,
      viewer,
      workspace,
      rep: { id: full.id, externalId: full.externalId, name: full.name },
      locale: pageLocale(full.locale || workspace.locale),
      frameAncestors,
      readOnly: claims.pii !== 'full',
    };
  }

  /** The team of a manager token, while its viewer still manages it (a manager moved to another team loses it). */
  private async managedTeam(viewer: Principal, teamId: string | undefined): Promise<EmbedSession['team']> {
    if (viewer.role !== 'manager' && viewer.role !== 'admin') throw new EmbedDenied(403);
    if (!teamId || !isUuid(teamId)) throw new EmbedDenied(403);
    try {
      return await this.scope.manageableTeam(viewer, teamId);
    } catch (e) {
      if (e instanceof AppError && e.status === 404) throw new EmbedDenied(403);
      throw e;
    }
  }

  /** The token of an `Authorization: Bearer …` header, if any. */
  static bearer(header: string | undefined): string | undefined {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    return m?.[1];
  }
}
