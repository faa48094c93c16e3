import type { Request } from 'express';
import { html, type SafeHtml } from './html';
import { queryString } from './request';

/**
 * One-line confirmations shown after a redirect (`?notice=key`). Only these fixed texts can appear: the query
 * parameter picks one, it is never shown itself.
 */
const NOTICES: Record<string, string> = {
  fields: 'Update Fields requested: the attribute list is being reloaded from Intercom.',
  merge: 'Merge automation saved. It applies to customers created or updated from now on.',
};

/** The notice the request's `notice` parameter names, if any. */
export function noticeFor(req: Request): SafeHtml | false {
  const key = queryString(req, 'notice') ?? '';
  // Own keys only: `?notice=constructor` must not reach Object.prototype.
  return Object.hasOwn(NOTICES, key) ? html`<p class="notice" role="status">${NOTICES[key]}</p>` : false;
}
