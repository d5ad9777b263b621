import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** One CRM installation (tenant): its time zone, locale, currency and policy settings. */
@Entity('workspaces')
export class Workspace {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('text') slug!: string;
  @Column('text') name!: string;
  @Column('text') timezone!: string;
  @Column('text') locale!: string;
  @Column('char', { length: 3 }) currency!: string;
  @Column('text', { name: 'scoring_cron' }) scoringCron!: string;
  @Column('text', { name: 'worklist_cron' }) worklistCron!: string;
  @Column('jsonb') settings!: Record<string, unknown>;
  @Column('uuid', { name: 'current_score_run_id', nullable: true }) currentScoreRunId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
