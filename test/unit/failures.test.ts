import { randomBytes } from 'node:crypto';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { isTransient, toActivityFailure } from '../../src/activities/failures';
import { TokenCipher, TokenUnreadable } from '../../src/crypto';
import { failure, failureOf, FailureType, HTTP_STATUS, NON_RETRYABLE, SourceCommandRejected } from '../../src/failures';
import { IntercomAuthError, IntercomHttpError } from '../../src/intercom/errors';

describe('the failure vocabulary', () => {
  it('gives every failure type an HTTP status and makes every one non-retryable', () => {
    const types = Object.values(FailureType);
    expect(Object.keys(HTTP_STATUS).sort()).toEqual([...types].sort());
    expect([...NON_RETRYABLE].sort()).toEqual([...types].sort());
    expect(new SourceCommandRejected(FailureType.UnknownAttribute, 'x').status).toBe(422);
    expect(new SourceCommandRejected(FailureType.WorkspaceMismatch, 'x').status).toBe(409);
    expect(new SourceCommandRejected(FailureType.NotConnected, 'x').status).toBe(409);
  });

  it('finds the failure behind an activity failure, with its cursor', () => {
    const cause = failure(FailureType.Stalled, 'bad record', { pages: 3 });
    const wrapped = new ActivityFailure('failed', 'importCompanies', '1', RetryState.NON_RETRYABLE_FAILURE, 'w', cause);
    expect(failureOf(wrapped, FailureType.Stalled)?.details).toEqual([{ pages: 3 }]);
    expect(failureOf(wrapped, FailureType.TokenRejected)).toBeUndefined();
    expect(failureOf(ApplicationFailure.create({ type: 'Other', message: 'm' }), FailureType.Stalled)).toBeUndefined();
    expect(cause.nonRetryable).toBe(true);
  });
});

describe('activity errors', () => {
  it('tells transient failures from deterministic ones', () => {
    for (const transient of [
      new IntercomHttpError(503, 'service_unavailable', 'down', '/x'),
      new IntercomHttpError(429, 'rate_limit_exceeded', 'slow down', '/x'),
      new IntercomHttpError(599, 'network_error', 'reset', '/x'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      { message: 'query failed', driverError: { code: '08006' } },
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      new TypeError('fetch failed'),
    ]) {
      expect({ err: String((transient as Error).message), transient: isTransient(transient) }).toMatchObject({
        transient: true,
      });
    }
    for (const deterministic of [
      new RangeError('Invalid time value'),
      Object.assign(new Error('invalid byte sequence'), { code: '22021' }),
      new IntercomHttpError(400, 'parameter_invalid', 'bad', '/x'),
      new TokenUnreadable(),
    ]) {
      expect(isTransient(deterministic)).toBe(false);
    }
  });

  it('turns a rejected token into TokenRejected and leaves other errors to be retried', () => {
    const rejected = toActivityFailure(new IntercomAuthError(401, 'unauthorized', 'no', '/me'));
    expect(rejected).toBeInstanceOf(ApplicationFailure);
    expect((rejected as ApplicationFailure).type).toBe(FailureType.TokenRejected);
    const bad = new RangeError('Invalid time value');
    expect(toActivityFailure(bad)).toBe(bad); // first attempt (outside a worker): retried before it counts as stalled
  });
});

describe('ENCRYPTION_KEY rotation', () => {
  it('decrypts with previous keys, encrypts with the current one, and names the fix when no key fits', () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const sealedOld = new TokenCipher(oldKey).encrypt('tok', 'ds_1');
    const rotated = new TokenCipher(newKey, [oldKey]);
    expect(rotated.open(sealedOld, 'ds_1')).toEqual({ plaintext: 'tok', stale: true });
    const sealedNew = rotated.encrypt('tok', 'ds_1');
    expect(new TokenCipher(newKey).open(sealedNew, 'ds_1')).toEqual({ plaintext: 'tok', stale: false });
    expect(() => new TokenCipher(oldKey).decrypt(sealedNew, 'ds_1')).toThrow(TokenUnreadable);
    expect(() => new TokenCipher(newKey).decrypt(sealedOld, 'ds_1')).toThrow(/ENCRYPTION_KEY_PREVIOUS/);
    expect(() => rotated.decrypt(sealedOld, 'ds_2')).toThrow(TokenUnreadable); // still bound to its source
  });
});
