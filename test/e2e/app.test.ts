import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IntercomClient } from 'intercom-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSystem, waitForWorkflow, type System } from '../helpers/system';
import { launchChromium } from './browser';

/**
 * ChartMogul's user journey in a real browser (Chromium from the @sparticuz/chromium package, driven by playwright-core) against the whole
 * service on the real stack: add an Intercom source, connect it through the fake Intercom's OAuth page, choose
 * attributes, import, browse and search the data tables, open a customer, re-sync with another selection, delete
 * the source. Every step leaves a screenshot in test/artifacts/e2e/.
 */

const ARTIFACTS = join(__dirname, '..', 'artifacts', 'e2e');
const XSS = '<script>alert(1)</script>';
const SOURCE = 'Acme Intercom';
const LIVE_TIMEOUT = 180_000;

describe('the web app in Chromium', () => {
  let sys: System;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let step = 0;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: join(ARTIFACTS, `${String(step).padStart(2, '0')}-${name}.png`) });
  };
  const url = (p: string) => `${sys.apiUrl}${p}`;
  /** The id of the source whose page is open. */
  const currentSourceId = () => /\/app\/sources\/(ds_[a-z0-9]+)/.exec(page.url())?.[1];
  /** Waits, across the page's own reloads, until the source page shows `status`. */
  const waitForBadge = (status: string, timeout = LIVE_TIMEOUT) =>
    page.locator(`main dl [data-status="${status}"]`).waitFor({ timeout });

  beforeAll(async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    sys = await startSystem({ fake: { companies: 30, contacts: 120, seed: 61, latencyMs: 2 } });
    await sys.startWorker();
    // A company with markup in its name, in Intercom before the import: it must appear as text.
    const intercom = new IntercomClient({ token: sys.fake.accessToken, baseUrl: sys.fake.url });
    await intercom.companies.createOrUpdate({ company_id: 'xss-company', name: XSS });

    browser = await launchChromium();
    context = await browser.newContext({
      httpCredentials: { username: sys.apiKey, password: '', origin: sys.apiUrl },
      viewport: { width: 1100, height: 720 },
    });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // A Content-Security-Policy violation (the inline stylesheet refused, say) is logged as a console error.
    page.on('console', (msg) => {
      // Expected statuses (401 challenge, 409/422 form errors, the favicon's 404) are logged too: not those.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  it('asks for the API key as Basic auth', async () => {
    const res = await fetch(url('/app/sources'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    const wrong = await fetch(url('/app/sources'), {
      headers: { Authorization: `Basic ${Buffer.from('nope:').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
  });

  it('refuses a form POST without its CSRF token', async () => {
    const res = await fetch(url('/app/automations/merge'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${sys.apiKey}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'enabled=on',
    });
    expect(res.status).toBe(403);
  });

  it('adds, connects (OAuth), imports, browses, re-syncs and deletes an Intercom source', async () => {
    // Sources list (empty), Add Source → Intercom → a name.
    await page.goto(url('/app'));
    expect(new URL(page.url()).pathname).toBe('/app/sources');
    await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
    await shot('sources-empty');
    await page.getByRole('link', { name: 'Add Source' }).click();
    await page.getByRole('link', { name: 'Intercom', exact: true }).click();
    await page.getByLabel('Source name').fill(SOURCE);
    await shot('add-source');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { name: 'Connect with Intercom' }).waitFor();
    const id = currentSourceId()!;
    expect(id).toMatch(/^ds_/);
    await shot('connect');

    // The name is unique: a second source with it is a form error (409), not a crash.
    await page.goto(url('/app/sources/new/intercom'));
    await page.getByLabel('Source name').fill(SOURCE);
    const [dup] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Next' }).click(),
    ]);
    expect(dup.status()).toBe(409);
    await page.getByText(`A data source named "${SOURCE}" already exists.`).waitFor();
    await shot('duplicate-name');

    // Connect with Intercom: the fake's consent page, "Authorize access", back to the source page.
    await page.goto(url(`/app/sources/${id}`));
    await page.getByRole('button', { name: 'Connect with Intercom' }).click();
    await page.getByRole('button', { name: 'Authorize access' }).waitFor();
    expect(page.url().startsWith(sys.fake.url)).toBe(true);
    await shot('intercom-oauth');
    await page.getByRole('button', { name: 'Authorize access' }).click();
    await page.getByRole('heading', { name: 'Choose the data' }).waitFor({ timeout: 120_000 });
    expect(currentSourceId()).toBe(id);

    // Choose the data: two company attributes that companies have values for, and one contact attribute.
    const fields = (await sys.api('GET', `/v1/data_sources/${id}/intercom/fields`)).body;
    const valued = new Set(
      (sys.fake.store.companies() as any[]).flatMap((c) => Object.keys(c.custom_attributes ?? {})),
    );
    const [first, second] = fields.company.map((f: any) => f.name).filter((n: string) => valued.has(n));
    expect(second).toBeDefined();
    const contactAttr: string = fields.contact[0].name;
    const box = (model: string, name: string) => page.locator(`input[name="${model}_attributes"][value="${name}"]`);
    await box('company', first).check();
    await box('contact', contactAttr).check();
    expect(await page.getByRole('checkbox', { name: /Companies/ }).isChecked()).toBe(true);
    await shot('choose-data');
    await page.getByRole('button', { name: 'START Import' }).click();
    await shot('importing');
    await waitForBadge('live');
    await shot('live');
    const companies = sys.fake.store.companies() as any[];
    expect(await page.locator('main dl dd').nth(2).textContent()).toBe(String(companies.length));

    // The customers data table: every company (one page), the selected attribute as a column, markup as text.
    await page.getByRole('navigation', { name: 'Source' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    const label = (model: 'company' | 'contact', name: string) =>
      (fields[model].find((f: any) => f.name === name).label as string | null) || name;
    const headers = await page.locator('thead th').allTextContents();
    expect(headers.some((h) => h.startsWith(label('company', first)))).toBe(true);
    expect(headers.some((h) => h.startsWith(label('company', second)))).toBe(false);
    const named = companies.filter((c) => c.name && c.name !== XSS);
    const contactsById = new Map((sys.fake.store.contacts() as any[]).map((c) => [c.id, c]));
    const emailsOf = (companyId: string): string[] =>
      sys.fake.store
        .contactIdsOf(companyId)
        .map((cid) => contactsById.get(cid)?.email)
        .filter((e): e is string => Boolean(e));
    // A company with a contact that has an email, to find on its customer page.
    const target = named.find((c) => emailsOf(c.id).length > 0) ?? named[0];
    await page.getByRole('link', { name: target.name, exact: true }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(companies.length);
    await page.getByRole('link', { name: XSS, exact: true }).waitFor();
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.content()).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    await shot('customers');

    // Keyset pagination: pages of 10 cover every company exactly once.
    await page.goto(url(`/app/sources/${id}/customers?per_page=10`));
    const seen: string[] = [];
    for (;;) {
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      seen.push(...(await page.locator('tbody tr td:nth-child(2)').allTextContents()));
      const next = page.getByRole('link', { name: 'Next page' });
      if ((await next.count()) === 0) break;
      await next.click();
    }
    expect(seen.length).toBe(companies.length);
    expect(new Set(seen)).toEqual(new Set(companies.map((c) => c.id)));
    await page.getByRole('link', { name: 'First page' }).waitFor();

    // The company with markup in its name, on its customer page: text, not a script.
    await page.goto(url(`/app/sources/${id}/customers?q=${encodeURIComponent('<script>')}`));
    await page.getByRole('link', { name: XSS, exact: true }).click();
    await page.getByRole('heading', { name: XSS, level: 1 }).waitFor();
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.title()).toContain(XSS);

    // Search by name.
    await page.goto(url(`/app/sources/${id}/customers`));
    const other = named.find((c) => !c.name.includes(target.name) && !target.name.includes(c.name));
    await page.getByLabel(/Search customers/).fill(target.name);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/[?&]q=/);
    await page.getByRole('link', { name: target.name, exact: true }).waitFor();
    expect(await page.getByRole('link', { name: other.name, exact: true }).count()).toBe(0);
    await shot('customers-search');

    // A customer's page: its record from this source and its contacts.
    await page.getByRole('link', { name: target.name, exact: true }).click();
    await page.getByRole('heading', { name: target.name, level: 1 }).waitFor();
    const records = page.getByRole('region', { name: 'Records' });
    await records.getByRole('link', { name: SOURCE }).waitFor();
    const contactsSection = page.getByRole('region', { name: 'Contacts' });
    const targetEmails = emailsOf(target.id);
    expect(targetEmails.length).toBeGreaterThan(0);
    await contactsSection.getByRole('cell', { name: targetEmails[0], exact: true }).first().waitFor();
    await shot('customer');

    // The contacts data table, searched by email.
    await page.goto(url(`/app/sources/${id}/contacts`));
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    const linked = (sys.fake.store.contacts() as any[]).find(
      (c) => c.email && sys.fake.store.companyIdsOf(c.id).length > 0,
    );
    await page.getByLabel(/Search contacts/).fill(linked.email);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/[?&]q=/);
    await page.getByRole('cell', { name: linked.email, exact: true }).first().waitFor();
    const contactHeaders = await page.locator('thead th').allTextContents();
    expect(contactHeaders.some((h) => h.startsWith(label('contact', contactAttr)))).toBe(true);
    await shot('contacts-search');

    // Settings (the icon next to the source): Re-sync Data and Fields with another selection.
    await page.goto(url('/app/sources'));
    await page.getByRole('link', { name: `Settings of ${SOURCE}` }).click();
    await page.getByRole('button', { name: 'Update Fields' }).waitFor();
    await page.getByRole('heading', { name: 'Re-sync Data and Fields' }).waitFor();
    expect(await box('company', first).isChecked()).toBe(true);
    await box('company', first).uncheck();
    await box('company', second).check();
    await shot('resync-settings');
    await page.getByRole('button', { name: 'Re-sync Data and Fields' }).click();
    await waitForWorkflow(sys, `source:${id}:backfill:2`);
    await waitForBadge('live');
    await page.goto(url(`/app/sources/${id}/customers`));
    const after = await page.locator('thead th').allTextContents();
    expect(after.some((h) => h.startsWith(label('company', second)))).toBe(true);
    expect(after.some((h) => h.startsWith(label('company', first)))).toBe(false);
    const keys: Array<{ k: string }> = await sys.db.query(
      `SELECT DISTINCT jsonb_object_keys(custom) AS k FROM customer_records WHERE source_id = $1`,
      [id],
    );
    expect(keys.map((r) => r.k)).toEqual([second]);
    await shot('customers-after-resync');

    // Delete This Source: a wrong name deletes nothing; the right one purges, then the source is gone.
    await page.goto(url(`/app/sources/${id}/settings`));
    await page.getByText('Deleting a source is permanent.').waitFor();
    await page.getByLabel(/Type the source name/).fill('Acme');
    await page.getByRole('button', { name: 'Delete This Source' }).click();
    await page.getByText('does not match the source name').waitFor();
    await page.getByLabel(/Type the source name/).fill(SOURCE);
    await shot('delete-confirm');
    await page.getByRole('button', { name: 'Delete This Source' }).click();
    await page.getByText('This source and all its data were deleted permanently.').waitFor({ timeout: LIVE_TIMEOUT });
    await shot('deleted');
    await page.getByRole('link', { name: 'Back to the sources' }).click();
    await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: SOURCE, exact: true }).count()).toBe(0);
    await shot('sources-after-delete');
    const [{ n }] = await sys.db.query(`SELECT count(*)::int AS n FROM customer_records WHERE source_id = $1`, [id]);
    expect(n).toBe(0);

    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 600_000);

  it('shows and saves the merge automation', async () => {
    await page.goto(url('/app/automations/merge'));
    const companyName = page.getByRole('checkbox', { name: /Company name/ });
    const before = await companyName.isChecked();
    await companyName.setChecked(!before);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Merge automation saved.').waitFor();
    expect(await page.getByRole('checkbox', { name: /Company name/ }).isChecked()).toBe(!before);
    const saved = (await sys.api('GET', '/v1/automations/merge')).body;
    expect(saved.match_on.company_name).toBe(!before);
    await shot('merge-automation');
  });
});
