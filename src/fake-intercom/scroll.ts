import { randomUUID } from 'node:crypto';
import { HttpError } from './errors';
import type { Faults } from './faults';
import type { Json } from './render';
import type { FakeStore } from './store';

interface OpenScroll {
  param: string;
  nextSeq: number;
  lastUsedMs: number;
}

export const SCROLL_LOST_MESSAGE =
  'Request failed due to an internal network error. Please restart the scroll operation.';

/**
 * GET /companies/scroll. One open scroll per workspace; it expires after `idleMs` without use (checked lazily
 * against the injectable clock, so no timers); the end is an empty page that still carries the param, after which
 * the param is gone (404) and the lock is released. The same param is returned on every page.
 */
export class CompanyScroll {
  private open?: OpenScroll;

  constructor(
    private readonly store: FakeStore,
    private readonly now: () => number,
    private readonly idleMs: number,
    private readonly pageSize: number,
    private readonly faults: Faults,
  ) {}

  /** True while a scroll holds the workspace lock (after lazy expiry). */
  isOpen(): boolean {
    this.expireIfIdle();
    return this.open !== undefined;
  }

  page(param: string | undefined): Json {
    if (this.faults.scrollLost) {
      this.faults.scrollLost = false;
      this.open = undefined;
      throw new HttpError(500, 'server_error', SCROLL_LOST_MESSAGE);
    }
    this.expireIfIdle();
    if (param === undefined || param === '') {
      if (this.open) throw new HttpError(400, 'scroll_exists', 'scroll already exists for this workspace');
      this.open = { param: randomUUID(), nextSeq: 0, lastUsedMs: this.now() };
    } else if (!this.open || this.open.param !== param) {
      throw new HttpError(404, 'not_found', 'scroll parameter not found');
    }
    const scroll = this.open;
    const slots = this.store.companySlots();
    const data: Json[] = [];
    let seq = scroll.nextSeq;
    for (; seq < slots.length && data.length < this.pageSize; seq++) {
      if (!slots[seq].deleted) data.push(this.store.companyJson(slots[seq]));
    }
    scroll.nextSeq = seq;
    scroll.lastUsedMs = this.now();
    // The empty page ends the scroll: its param is expired from now on.
    if (data.length === 0) this.open = undefined;
    return { type: 'list', data, pages: null, total_count: null, scroll_param: scroll.param };
  }

  close(): void {
    this.open = undefined;
  }

  private expireIfIdle(): void {
    if (this.open && this.now() - this.open.lastUsedMs >= this.idleMs) this.open = undefined;
  }
}
