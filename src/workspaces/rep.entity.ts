import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type RepRole = 'rep' | 'manager' | 'admin';

/** A sales rep or manager; a rep's team and manager decide who may see their lists. */
@Entity('reps')
export class Rep {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId!: string;
  @Column('text', { name: 'external_id' }) externalId!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) email!: string | null;
  @Column('text') role!: RepRole;
  @Column('uuid', { name: 'team_id', nullable: true }) teamId!: string | null;
  @Column('uuid', { name: 'manager_id', nullable: true }) managerId!: string | null;
  @Column('int', { name: 'daily_capacity' }) dailyCapacity!: number;
  @Column('text') locale!: string;
  @Column('boolean') active!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
