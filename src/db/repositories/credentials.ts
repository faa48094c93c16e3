import type { DataSource } from 'typeorm';
import type { TokenCipher } from '../../crypto';
import { CredentialEntity } from '../entities';

/** Stores and reads a source's Intercom token; only this module sees the plaintext next to the database. */
export class CredentialStore {
  constructor(
    private readonly db: DataSource,
    private readonly cipher: TokenCipher,
  ) {}

  async save(sourceId: string, token: string): Promise<void> {
    await this.db
      .createQueryBuilder()
      .insert()
      .into(CredentialEntity)
      .values({ sourceId, ciphertext: this.cipher.encrypt(token, sourceId) })
      .orUpdate(['ciphertext', 'created_at'], ['source_id'])
      .execute();
  }

  async load(sourceId: string): Promise<string | null> {
    const row = await this.db.getRepository(CredentialEntity).findOneBy({ sourceId });
    return row ? this.cipher.decrypt(row.ciphertext, sourceId) : null;
  }
}
