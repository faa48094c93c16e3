import { createHmac, timingSafeEqual } from 'node:crypto';

/** Intercom signs each notification: `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body, keyed by the client secret>`. */
export function signWebhook(rawBody: Buffer | string, clientSecret: string): string {
  return `sha1=${createHmac('sha1', clientSecret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of the header against the raw body; false for a missing or malformed header. */
export function verifyWebhookSignature(rawBody: Buffer, header: string | undefined, clientSecret: string): boolean {
  if (!header || !/^sha1=[0-9a-f]{40}$/i.test(header)) return false;
  const expected = Buffer.from(signWebhook(rawBody, clientSecret));
  const given = Buffer.from(header.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
