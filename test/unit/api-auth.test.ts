import { isValidKey, presentedKey } from '../../src/api/auth';
import { OAUTH_STATE_TTL_MS, oauthStateKey, signOAuthState, verifyOAuthState } from '../../src/api/oauth-state';
import { decodeCursor, encodeCursor } from '../../src/api/list-queries';
import { ApiError } from '../../src/api/errors';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('presentedKey', () => {
  it.each([
    [`Basic ${b64('k1:')}`, 'k1'],
    [`Basic ${b64('k1')}`, 'k1'],
    [`Basic ${b64('k1:k1')}`, 'k1'],
    [`basic ${b64('k1:')}`, 'k1'],
    ['Bearer k1', 'k1'],
    ['bearer   k1  ', 'k1'],
    [`Basic ${b64('k1:other')}`, null],
    [`Basic ${b64(':k1')}`, null],
    ['Bearer', null],
    ['Digest k1', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (header, expected) => {
    expect(presentedKey(header)).toBe(expected);
  });
});

describe('isValidKey', () => {
  it('accepts exactly the configured keys', () => {
    expect(isValidKey('a', ['a', 'b'])).toBe(true);
    expect(isValidKey('b', ['a', 'b'])).toBe(true);
    expect(isValidKey('c', ['a', 'b'])).toBe(false);
    expect(isValidKey('a ', ['a'])).toBe(false);
    expect(isValidKey('', [''].slice(1))).toBe(false);
  });
});

describe('OAuth state', () => {
  const key = oauthStateKey(Buffer.alloc(32, 7));

  it('round-trips the source id until it expires', () => {
    const now = 1_700_000_000_000;
    const state = signOAuthState(key, 'ds_x', now);
    expect(verifyOAuthState(key, state, now)).toMatchObject({ ok: true, sourceId: 'ds_x', browserHash: null });
    expect(verifyOAuthState(key, state, now + OAUTH_STATE_TTL_MS - 1)).toMatchObject({ ok: true, sourceId: 'ds_x' });
    expect(verifyOAuthState(key, state, now + OAUTH_STATE_TTL_MS)).toEqual({ ok: false, reason: 'expired' });
  });

  it('is unique per call and bound to the key', () => {
    expect(signOAuthState(key, 'ds_x')).not.toBe(signOAuthState(key, 'ds_x'));
    const other = oauthStateKey(Buffer.alloc(32, 8));
    expect(verifyOAuthState(other, signOAuthState(key, 'ds_x'))).toEqual({ ok: false, reason: 'signature' });
    expect(oauthStateKey(Buffer.alloc(32, 7)).equals(Buffer.alloc(32, 7))).toBe(false);
  });

  it('rejects malformed states', () => {
    for (const s of ['', '.', 'abc', 'a.b.c']) expect(verifyOAuthState(key, s).ok).toBe(false);
  });
});

describe('cursors', () => {
  it('round-trip an id', () => {
    const c = encodeCursor('cus_abc');
    expect(decodeCursor(c, 'cus_')).toBe('cus_abc');
    expect(decodeCursor(encodeCursor('cus_'), 'cus_')).toBe('cus_');
    expect(decodeCursor(undefined, 'cus_')).toBeUndefined();
  });

  it('reject cursors of another kind or not ours', () => {
    for (const c of [encodeCursor('con_abc'), 'x', `${encodeCursor('cus_abc')}=`]) {
      expect(() => decodeCursor(c, 'cus_')).toThrow(ApiError);
    }
  });
});
