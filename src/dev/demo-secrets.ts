import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * A value generated once and kept under the data folder, so a second `npm start` reuses it
 * (the demo's encryption key must stay the same, or stored tokens could not be read again).
 */
export async function persistedSecret(dataDir: string, name: string, generate: () => string): Promise<string> {
  const file = path.resolve(dataDir, name);
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const value = generate();
    await fs.writeFile(file, value + '\n', { mode: 0o600 });
    return value;
  }
}

export const newEncryptionKey = (): string => randomBytes(32).toString('base64');
export const newApiKey = (): string => `key_${randomBytes(16).toString('hex')}`;
