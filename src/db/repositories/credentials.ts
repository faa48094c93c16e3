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

  /**
   * The token, or null when none is stored. A token sealed with a previous key (ENCRYPTION_KEY_PREVIOUS) is sealed
   * again with the current one, only if it has not changed meanwhile, so a rotation completes as sources are used.
   */
  async load(sourceId: string): Promise<string | null> {
    const row = await this.db.getRepository(CredentialEntity).findOneBy({ sourceId });
    if (!row) return null;
    const { plaintext, stale } = this.cipher.open(row.ciphertext, sourceId);
    if (stale) {
      await this.db
        .getRepository(CredentialEntity)
        .update({ sourceId, ciphertext: row.ciphertext }, { ciphertext: this.cipher.encrypt(plaintext, sourceId) });
    }
    return plaintext;
  }
}
