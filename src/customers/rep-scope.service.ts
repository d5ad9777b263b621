import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../auth/principal';
import { RepScope } from './customer-access';

/** The reps a principal answers for (see AccessScopeService for the same rule applied to one rep). */
@Injectable()
export class RepScopeService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async of(p: Principal): Promise<RepScope> {
    if (p.role === 'admin' || p.role === 'integration') return { all: true, repIds: new Set() };
    if (!p.repId) return { all: false, repIds: new Set() };
    if (p.role === 'rep') return { all: false, repIds: new Set([p.repId]) };
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT r.id FROM reps r
       WHERE r.workspace_id = $1
         AND (r.id = $2 OR r.manager_id = $2
              OR r.team_id = (SELECT m.team_id FROM reps m WHERE m.id = $2 AND m.workspace_id = $1))`,
      [p.workspaceId, p.repId],
    );
    return { all: false, repIds: new Set(rows.map((r) => r.id)) };
  }
}
