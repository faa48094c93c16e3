import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import type { FakeIntercom } from '../../src/fake-intercom';

export type Json = Record<string, unknown>;

export interface ApiResponse<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Raw HTTP against the fake (as a non-SDK client would do it). */
export async function api<T = Json>(
  fake: FakeIntercom,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  token: string | null = fake.accessToken,
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Intercom-Version': '2.14' };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${fake.url}${pathAndQuery}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A clock the test moves by hand; the fake reads it for windows, expiry and timestamps. */
export class ManualClock {
  constructor(public ms: number) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Polls a condition (for asynchronous webhook delivery) instead of sleeping a fixed time. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

// Intercom's OpenAPI 2.14 (MIT, see OPENAPI-LICENSE.md beside it), vendored so a fresh clone can run the tests.
const SPEC_PATH = path.resolve(__dirname, '../fixtures/intercom/openapi-2.14.yaml');
const SPEC_ID = 'intercom-2.14.json';

/** Converts OpenAPI 3.0 schema dialect to JSON Schema: `nullable` becomes a null type / anyOf, refs get the id. */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (typeof node !== 'object' || node === null) return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'nullable' || k === 'example' || k === 'examples' || k.startsWith('x-')) continue;
    if (k === '$ref' && typeof v === 'string') out.$ref = v.replace(/^#/, `${SPEC_ID}#`);
    else if (k === 'properties' && typeof v === 'object' && v !== null) {
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([pk, pv]) => [pk, convert(pv)]));
    } else out[k] = convert(v);
  }
  if (src.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
  }
  return out;
}

export interface SpecValidator {
  validate(schema: string, value: unknown): string[];
  raw: Json;
}

/**
 * Ajv over the official 2.14 component schemas. Two documented divergences are relaxed here, not in the fake:
 * - `company.custom_attributes.additionalProperties: {type: string}` although custom attributes can be integer,
 *   float, boolean or date (the schema's own example holds `true`, `155.5` and `9`);
 * - `format: uri` on relative URLs such as `/contacts/{id}/companies` (Intercom's own examples), checked as a
 *   URI reference instead.
 */
export function loadSpec(): SpecValidator {
  const raw = parse(readFileSync(SPEC_PATH, 'utf8')) as Json;
  const schemas = structuredClone((raw.components as Json).schemas as Record<string, Json>);
  const customAttributes = (schemas.company.properties as Record<string, Json>).custom_attributes;
  customAttributes.additionalProperties = { type: ['string', 'integer', 'number', 'boolean', 'null'] };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('uri', /^[^\s]*$/);
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: convert(schemas) } });
  const cache = new Map<string, ValidateFunction>();
  return {
    raw,
    validate(schema, value) {
      let fn = cache.get(schema);
      if (!fn) {
        fn = ajv.getSchema(`${SPEC_ID}#/components/schemas/${schema}`);
        if (!fn) throw new Error(`no schema ${schema}`);
        cache.set(schema, fn);
      }
      return fn(value) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
    },
  };
}

export interface ReceivedWebhook {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  json: Json;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status code answered to the next deliveries; 'drop' destroys the socket (receiver "down"). */
  status: number | 'drop';
  /** Number of POSTs seen, successful or not. */
  hits: number;
  close(): Promise<void>;
}

/** A tiny webhook receiver on 127.0.0.1 that records what it acknowledged with 2xx. */
export async function startReceiver(): Promise<Receiver> {
  const { createServer } = await import('node:http');
  const receiver: Receiver = {
    url: '',
    received: [],
    status: 200,
    hits: 0,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.hits++;
      if (receiver.status === 'drop') {
        req.socket.destroy();
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      if (receiver.status >= 200 && receiver.status < 300) {
        receiver.received.push({ headers: req.headers, raw, json: JSON.parse(raw) as Json });
      }
      res.statusCode = receiver.status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  receiver.url = `http://127.0.0.1:${address.port}/hook`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
