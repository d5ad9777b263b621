import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { Principal } from './principal';

/**
 * Object-level access (OWASP API1): decides whether a principal may see a rep's data. Out-of-scope ids answer
 * 404 exactly like missing ones, so ids from another team or workspace reveal nothing.
 */
@Injectable()
export class AccessScopeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Resolves a rep (by uuid or external id) the principal may read, or throws not_found. */
  async readableRep(p: Principal, repRef: string): Promise<{ id: string; externalId: string }> {
    const rows: Array<{
      id: string;
      external_id: string;
      team_id: string | null;
      manager_id: string | null;
    }> = await this.db.query(
      `SELECT id, external_id, team_id, manager_id FROM reps
          WHERE workspace_id = $1 AND (external_id = $2 OR id::text = $2)`,
      [p.workspaceId, repRef],
    );
    const rep = rows[0];
    if (!rep || !(await this.mayRead(p, rep))) throw AppError.notFound('rep');
    return { id: rep.id, externalId: rep.external_id };
  }

  private async mayRead(
    p: Principal,
    rep: { id: string; team_id: string | null; manager_id: string | null },
  ) {
    switch (p.role) {
      case 'admin':
      case 'integration':
        return true;
      case 'rep':
        return rep.id === p.repId;
      case 'manager': {
        if (rep.id === p.repId || rep.manager_id === p.repId) return true;
        const [mgr] = await this.db.query(`SELECT team_id FROM reps WHERE id = $1 AND workspace_id = $2`, [
          p.repId,
          p.workspaceId,
        ]);
        return !!mgr?.team_id && mgr.team_id === rep.team_id;
      }
    }
  }
}
