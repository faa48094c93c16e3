import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OAuth states already used (single-use states); rows expire with the state. */
export class OAuthStateUses1764620000000 implements MigrationInterface {
  name = 'OAuthStateUses1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oauth_state_uses (
        nonce text PRIMARY KEY,
        used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX oauth_state_uses_expires ON oauth_state_uses (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_state_uses`);
  }
}
