/** Intercom answered with an error. Messages carry Intercom's code and text, never the request's headers or token. */
export class IntercomHttpError extends Error {
  override name = 'IntercomHttpError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly path: string,
  ) {
    super(`Intercom ${path} answered ${status}${code ? ` ${code}` : ''}: ${message}`);
  }
  get retryable(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** 401 (or a token_* error): the token is invalid or was revoked; the user must connect the source again. */
export class IntercomAuthError extends IntercomHttpError {
  override name = 'IntercomAuthError';
}
