import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type Role = 'rep' | 'manager' | 'admin' | 'integration';
export const ROLES: readonly Role[] = ['rep', 'manager', 'admin', 'integration'];

/** An API key; only its SHA-256 hash is stored, the secret is shown once at creation. */
@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId!: string;
  @Column('text') name!: string;
  @Column('text', { name: 'key_prefix' }) keyPrefix!: string;
  @Column('bytea', { name: 'key_hash' }) keyHash!: Buffer;
  @Column('text') role!: Role;
  @Column('uuid', { name: 'rep_id', nullable: true }) repId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt!: Date | null;
  /** the key this one replaced by rotation */
  @Column('uuid', { name: 'rotated_from_id', nullable: true }) rotatedFromId!: string | null;
}
