import { fromWebhookItem, timestampMs } from '../../src/domain/webhook-items';
import { classifyTopic, HANDLED_TOPICS } from '../../src/domain/webhook-topics';

describe('webhook items in Intercom shape', () => {
  it('ISO-ms timestamps become REST seconds (truncated); the ms are kept for ordering; nulls are dropped', () => {
    const out = fromWebhookItem({
      type: 'company',
      id: 'c1',
      updated_at: '2026-01-10T04:39:55.965+00:00',
      created_at: '2026-01-01T00:00:00.001+00:00',
      remote_created_at: null,
      plan: null,
      name: 'Acme',
      custom_attributes: { renewal_at: '2026-02-01T00:00:00.000+00:00' },
    })!;
    expect(out.updatedMs).toBe(Date.parse('2026-01-10T04:39:55.965Z'));
    expect(out.object).toEqual({
      type: 'company',
      id: 'c1',
      updated_at: Math.floor(Date.parse('2026-01-10T04:39:55Z') / 1000),
      created_at: Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000),
      name: 'Acme',
      custom_attributes: { renewal_at: '2026-02-01T00:00:00.000+00:00' },
    });
  });

  it('REST-shaped items pass through; items without an id are refused', () => {
    expect(fromWebhookItem({ id: 'x', updated_at: 1_700_000_000 })).toEqual({
      object: { id: 'x', updated_at: 1_700_000_000 },
      updatedMs: 1_700_000_000_000,
    });
    expect(fromWebhookItem({ type: 'company' })).toBeNull();
    expect(fromWebhookItem(null)).toBeNull();
    expect(timestampMs('not a date')).toBeNull();
  });

  it('classifies every handled topic, both unarchive spellings, ping, and ignores the rest', () => {
    for (const topic of HANDLED_TOPICS) expect(classifyTopic(topic).kind).not.toBe('ignored');
    expect(classifyTopic('contact.unarchive').kind).toBe('contact_unarchived');
    expect(classifyTopic('contact.unarchived').kind).toBe('contact_unarchived');
    expect(classifyTopic('contact.merged').kind).toBe('contact_merged');
    expect(classifyTopic('contact.lead.signed_up').kind).toBe('contact_upsert');
    expect(classifyTopic('ping').kind).toBe('ping');
    expect(classifyTopic('conversation.user.created').kind).toBe('ignored');
  });
});
