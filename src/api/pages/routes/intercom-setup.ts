import { Router } from 'express';
import { EndpointUptime, WebhookReceipts, type WebhookReceipt } from '../../../db/repositories/webhook-receipts';
import { HANDLED_TOPICS } from '../../../domain/webhook-topics';
import { INTERCOM_VERSION } from '../../../intercom/http';
import { OAUTH_CALLBACK_PATH } from '../../routes/intercom';
import { when } from '../components';
import { html } from '../html';
import { sendPage, type PageContext } from '../page-context';

export const WEBHOOK_PATH = '/webhooks/intercom';

const copyable = (label: string, value: string, id: string) =>
  html`<p>
    <label for="${id}">${label}</label><br /><input
      id="${id}"
      class="copy"
      type="text"
      readonly
      value="${value}"
      size="70"
    />
  </p>`;

function receiptRow(r: WebhookReceipt) {
  return html`<tr data-app-id="${r.appId}" data-signature="${r.signatureValid ? 'valid' : 'invalid'}">
    <td><code>${r.appId}</code></td>
    <td>
      ${
        r.signatureValid
          ? html`<span class="status status-live">Signature valid</span>`
          : html`<span class="status status-needs_reconnect">Signature invalid</span>
              <div class="error">
                Not signed with INTERCOM_CLIENT_SECRET: these notifications are refused and their changes are lost until
                the next reconciliation. Set INTERCOM_CLIENT_SECRET to the client secret of the app that sends them.
              </div>`
      }
    </td>
    <td><code>${r.topic}</code></td>
    <td>${when(r.receivedAt)}</td>
    <td>${when(r.lastPingAt)}</td>
  </tr>`;
}

/**
 * "Connect a real Intercom workspace": what to enter in Intercom's Developer Hub (the URLs derived from
 * PUBLIC_URL, the permissions, exactly the topics live sync handles, the API version) and whether Intercom's
 * notifications arrive, per workspace, with the signature check's result.
 */
export function intercomSetupRoutes(pc: PageContext): Router {
  const { deps } = pc;
  const receipts = new WebhookReceipts(deps.db);
  const uptime = new EndpointUptime(deps.db);
  const router = Router();

  router.get('/setup/intercom', async (_req, res) => {
    const { publicUrl, intercom } = deps.config;
    const [arrived, gap] = await Promise.all([receipts.list(), uptime.lastGap()]);
    sendPage(
      res,
      200,
      { title: 'Intercom setup', section: 'setup' },
      html`<h1>Connect a real Intercom workspace</h1>
        <section>
          <h2>1. Create the app in Intercom's Developer Hub</h2>
          <ol>
            <li>
              In Intercom, open <strong>Settings › Integrations › Developer Hub</strong> and choose
              <strong>New app</strong>.
            </li>
            <li>
              Under <strong>Authentication</strong>, turn on <strong>Use OAuth</strong> and add this redirect URL:
              ${copyable('OAuth redirect URL', `${publicUrl}${OAUTH_CALLBACK_PATH}`, 'redirect-url')}
            </li>
            <li>
              Permissions to request: <strong>Read and list users and companies</strong>,
              <strong>Read one user and one company</strong>, <strong>Read data attributes</strong> (and
              <strong>Read admins</strong>, which Intercom needs for <code>GET /me</code>).
            </li>
            <li>
              Under <strong>Webhooks</strong>, set the endpoint URL and subscribe to exactly these topics (<code
                >ping</code
              >
              is always on): ${copyable('Webhook endpoint URL', `${publicUrl}${WEBHOOK_PATH}`, 'webhook-url')}
              <ul id="topics">
                ${HANDLED_TOPICS.map((t) => html`<li><code>${t}</code></li>`)}
              </ul>
            </li>
            <li>API version: <strong>${INTERCOM_VERSION}</strong> (the app's version and the requests' version).</li>
            <li>
              Copy the app's <strong>client id</strong> and <strong>client secret</strong> (Basic information) into
              <code>INTERCOM_CLIENT_ID</code> and <code>INTERCOM_CLIENT_SECRET</code> and restart the service. The
              secret signs every notification.
            </li>
          </ol>
          <p>
            Now:
            <code>INTERCOM_CLIENT_ID</code> ${intercom.clientId ? html`is set` : html`<strong>is not set</strong>`},
            <code>INTERCOM_CLIENT_SECRET</code>
            ${intercom.clientSecret ? html`is set` : html`<strong>is not set</strong> (notifications are refused)`};
            <code>PUBLIC_URL</code> is <code>${publicUrl}</code> (Intercom needs HTTPS and a public address).
          </p>
        </section>
        <section>
          <h2>2. Are notifications arriving?</h2>
          <p>
            Save or test the webhook subscription in the Developer Hub: Intercom sends a <code>ping</code>, which shows
            here with the result of its signature check. A wrong client secret shows as <em>Signature invalid</em>.
          </p>
          ${
            arrived.length === 0
              ? html`<p id="no-receipts" class="muted">Nothing has arrived at ${publicUrl}${WEBHOOK_PATH} yet.</p>`
              : html`<table id="receipts">
                  <thead>
                    <tr>
                      <th>Workspace (app id)</th>
                      <th>Signature</th>
                      <th>Last topic</th>
                      <th>Last received</th>
                      <th>Last ping</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${arrived.map(receiptRow)}
                  </tbody>
                </table>`
          }
          ${
            gap
              ? html`<p id="last-outage">
                  The endpoint was last unreachable from ${when(gap.from)} to ${when(gap.to)}; ${gap.sources} live
                  source(s) were reconciled for the notifications Intercom may have dropped.
                </p>`
              : false
          }
        </section>`,
    );
  });
  return router;
}
