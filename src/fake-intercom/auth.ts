import { randomUUID } from 'node:crypto';

/**
 * Bearer tokens valid for the workspace: the private-app token plus any issued through OAuth or issueToken().
 * Revoked tokens stay known so a revoked token and an unknown one both answer 401 (Intercom doesn't tell them apart
 * in the documented body).
 */
export class TokenRegistry {
  private readonly valid = new Set<string>();

  constructor(private readonly appId: string) {}

  add(token: string): void {
    this.valid.add(token);
  }

  issue(): string {
    const token = tokenFor(`${this.appId}:${randomUUID()}`);
    this.valid.add(token);
    return token;
  }

  revoke(token: string): void {
    this.valid.delete(token);
  }

  isValid(token: string): boolean {
    return this.valid.has(token);
  }
}

/** Intercom tokens look like base64 of "tok:…"; ours are base64 of "tok:fake-…" so they are recognisably fake. */
export function tokenFor(suffix: string): string {
  return Buffer.from(`tok:fake-${suffix}`).toString('base64').replace(/=+$/, '');
}
