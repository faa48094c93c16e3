import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** No configured key opens a stored token: the key was changed without keeping the old one. */
export class TokenUnreadable extends Error {
  override name = 'TokenUnreadable';
  constructor() {
    super(
      'The stored Intercom token cannot be decrypted with ENCRYPTION_KEY or ENCRYPTION_KEY_PREVIOUS (was the key ' +
        'changed?): put the old key in ENCRYPTION_KEY_PREVIOUS, or connect the source again',
    );
  }
}

/**
 * AES-256-GCM for tokens at rest: 12-byte IV ‖ 16-byte tag ‖ ciphertext, bound to the source id (AAD).
 * Key rotation: new writes use `key`; `previous` keys still decrypt (GCM's tag tells which key fits), so tokens
 * sealed before a rotation keep working until they are written again with the new key.
 */
export class TokenCipher {
  private readonly previous: Buffer[];

  constructor(
    private readonly key: Buffer,
    previous: Buffer[] = [],
  ) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('An encryption key must be 32 bytes');
    this.previous = previous;
  }

  encrypt(plaintext: string, sourceId: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(sourceId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The plaintext, and whether it was sealed with a previous key (so the caller can seal it again). */
  open(sealed: Buffer, sourceId: string): { plaintext: string; stale: boolean } {
    for (const [i, key] of [this.key, ...this.previous].entries()) {
      try {
        return { plaintext: decryptWith(key, sealed, sourceId), stale: i > 0 };
      } catch {
        // not this key
      }
    }
    throw new TokenUnreadable();
  }

  decrypt(sealed: Buffer, sourceId: string): string {
    return this.open(sealed, sourceId).plaintext;
  }
}

function decryptWith(key: Buffer, sealed: Buffer, sourceId: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(sourceId));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
}

/** The cipher of a configuration: ENCRYPTION_KEY, with ENCRYPTION_KEY_PREVIOUS for tokens sealed before a rotation. */
export function tokenCipher(config: { encryptionKey?: Buffer; previousEncryptionKeys?: Buffer[] }): TokenCipher {
  if (!config.encryptionKey)
    throw new Error('ENCRYPTION_KEY is not set: a 32-byte base64 key (openssl rand -base64 32)');
  return new TokenCipher(config.encryptionKey, config.previousEncryptionKeys ?? []);
}
