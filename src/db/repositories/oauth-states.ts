import type { DataSource } from 'typeorm';
import { rowsOf } from '../rows';

/** OAuth states already used: each is accepted once, and remembered until it would have expired anyway. */
export class OAuthStateUses {
  constructor(private readonly db: DataSource) {}

  /** Records the use of a state's nonce; false when it was used before. */
  async use(nonce: string, expiresAt: Date): Promise<boolean> {
    await this.db.query(`DELETE FROM oauth_state_uses WHERE expires_at < now()`);
    const rows = rowsOf<{ nonce: string }>(
      await this.db.query(
        `INSERT INTO oauth_state_uses (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING RETURNING nonce`,
        [nonce, expiresAt],
      ),
    );
    return rows.length === 1;
  }
}
