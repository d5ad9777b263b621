import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlRepository } from '../database/sql-repository';

export interface LiveWorkerRow {
  id: string;
  host: string;
  pid: number;
  /** boot id and PID namespace of the writer (machine-identity.ts); null for rows of older versions */
  machine: string | null;
  queues: string[];
  last_seen_at: Date;
}

/** Worker processes' heartbeats (not a tenant table: one row per process of the deployment). */
@Injectable()
export class WorkerHeartbeatRepository extends SqlRepository {
  constructor(@InjectDataSource() db: DataSource) {
    super(db);
  }

  /** Writes this process's beat: the queues it consumes now. Rows silent for an hour are removed on the way. */
  async beat(w: {
    id: string;
    target: string;
    host: string;
    pid: number;
    machine: string | null;
    queues: string[];
  }): Promise<void> {
    await this.exec(
      `INSERT INTO worker_heartbeats (id, queue_target, host, pid, machine, queues)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET queues = EXCLUDED.queues, last_seen_at = now()`,
      [w.id, w.target, w.host, w.pid, w.machine, w.queues],
    );
    await this.exec(`DELETE FROM worker_heartbeats WHERE last_seen_at < now() - interval '1 hour'`);
  }

  /** Removes this process's row (a clean shutdown: no need to wait for it to go stale). */
  async remove(id: string): Promise<void> {
    await this.exec(`DELETE FROM worker_heartbeats WHERE id = $1`, [id]);
  }

  /** Processes of this queue target that beat within `withinMs`. */
  live(target: string, withinMs: number): Promise<LiveWorkerRow[]> {
    return this.rows<LiveWorkerRow>(
      `SELECT id, host, pid, machine, queues, last_seen_at FROM worker_heartbeats
       WHERE queue_target = $1 AND last_seen_at > now() - make_interval(secs => $2::float8 / 1000)
       ORDER BY last_seen_at DESC`,
      [target, withinMs],
    );
  }
}
