import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which machine (boot and PID namespace) wrote a worker heartbeat: a process on the same machine can then tell a
 * worker killed with SIGKILL from a live one at once, by its pid, instead of waiting for the beat to go stale.
 */
export class AddWorkerHeartbeatMachine1766200000000 implements MigrationInterface {
  name = 'AddWorkerHeartbeatMachine1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE worker_heartbeats ADD COLUMN machine text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE worker_heartbeats DROP COLUMN IF EXISTS machine`);
  }
}
