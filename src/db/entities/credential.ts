import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A source's Intercom access token, AES-256-GCM encrypted at rest (see src/crypto.ts). */
@Entity('credentials')
export class CredentialEntity {
  @PrimaryColumn('text', { name: 'source_id' }) sourceId!: string;
  @Column('bytea') ciphertext!: Buffer;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
