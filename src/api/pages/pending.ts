import type { Request } from 'express';
import type { SourceSummary } from '../../db/repositories/sources';
import { MOVING_STATUSES, sourcePath } from './components';
import { withQuery } from './html';
import { queryString } from './request';

/**
 * After a command the workflow applies asynchronously, the source page is opened with `pending` and `since` (ms):
 * until the source shows the command's effect (for a minute at most) the page says what it waits for and reloads.
 * Without this the page would show the old state right after the redirect, as if the command had been lost.
 */
export type Pending = 'connect' | 'import' | 'resync' | 'delete';

const PENDING_TEXT: Record<Pending, string> = {
  connect: 'Connecting to Intercom…',
  import: 'Starting the import…',
  resync: 'Starting the re-sync…',
  delete: 'Starting the deletion…',
};
const PENDING_WINDOW_MS = 60_000;

/** The source page that waits for `pending`: where a command's form redirects. */
export const pendingPath = (id: string, pending: Pending): string =>
  withQuery(sourcePath(id), { pending, since: String(Date.now()) });

/** What the source page still waits for, or null once the command shows (or the window passed). */
export function waitingFor(req: Request, s: SourceSummary): string | null {
  const pending = queryString(req, 'pending') as Pending | undefined;
  const since = Number(queryString(req, 'since'));
  if (!pending || !(pending in PENDING_TEXT) || !Number.isFinite(since) || Date.now() - since > PENDING_WINDOW_MS) {
    return null;
  }
  let waiting: boolean;
  if (pending === 'connect') waiting = s.status === 'awaiting_connection' || s.status === 'needs_reconnect';
  else if (pending === 'delete') waiting = s.status !== 'deleting';
  else {
    // An import or re-sync shows once the source moves or its progress restarted after the command was sent.
    const started = s.progress.startedAt ? Date.parse(s.progress.startedAt) : NaN;
    waiting = !MOVING_STATUSES.has(s.status) && !(started >= since - 1000);
  }
  return waiting ? PENDING_TEXT[pending] : null;
}
