// Issue 3, end to end: what a verified webhook becomes. Bodies are parsed by content type (JSON, form, multipart
// fields, text) and anything else is kept as raw bytes only; the event type and idempotency key follow the
// source's own configuration and the documented defaults.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, startTestApp, type TestApp } from '../helpers/app.js';
import { BASE, createSource, deliver, storedEvent } from '../helpers/ingest.js';

const KEY = 'parsing-api-key-0123456789';
const AUTH = { 'x-api-key': KEY };

describe('parsing and extraction over HTTP (SQLite)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    await createSource(t, {
      slug: 'app',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: KEY,
    });
  });
  afterAll(async () => t?.close());

  async function accepted(headers: Record<string, string>, body: string | Buffer) {
    const res = await deliver(t, 'app', { headers: { ...AUTH, ...headers }, body });
    expect(res.status, res.text).toBe(200);
    return storedEvent(t, res.json.eventId);
  }

  it('JSON (and +json types) becomes data; the raw bytes stay exactly as sent', async () => {
    const body = '{ "type" : "order.created",\n  "note": "\\u00e4", "n": 1.50 }';
    const event = await accepted({ 'content-type': 'application/json; charset=utf-8' }, body);
    expect(event).toMatchObject({
      type: 'order.created',
      data: { type: 'order.created', note: 'ä', n: 1.5 },
      contentType: 'application/json; charset=utf-8',
    });
    expect(event.rawBody?.toString('utf8')).toBe(body);
    const ce = await accepted(
      { 'content-type': 'application/cloudevents+json' },
      '{"specversion":"1.0","type":"com.example.ping"}',
    );
    expect(ce.data).toEqual({ specversion: '1.0', type: 'com.example.ping' });
    // Stored once, as the data's text; a byte order mark (dropped by the parser) keeps the bytes apart.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"type":"with.bom"}')]);
    const withBom = await accepted({ 'content-type': 'application/json' }, bom);
    expect(withBom.type).toBe('with.bom');
    expect(withBom.rawBody?.equals(bom)).toBe(true);
  });

  it('a verified webhook with a number beyond a 64-bit float is taken, its raw bytes keeping the number as sent', async () => {
    // Refusing it would make the provider retry a webhook it can never change, or give it up: it is taken, and the
    // original stays readable, where only a lossy copy of it is in data.
    const body = '{"type":"big.number","amount":1e400}';
    const event = await accepted({ 'content-type': 'application/json' }, body);
    expect(event.type).toBe('big.number');
    expect(event.rawBody?.toString('utf8')).toBe(body);
    const raw = await fetch(`${t.url}${BASE}/events/${event.id}/raw`, {
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
    });
    expect(await raw.text()).toBe(body);
  });

  it('form-urlencoded becomes fields; a repeated field an array', async () => {
    const event = await accepted(
      { 'content-type': 'application/x-www-form-urlencoded' },
      'event=charge&amount=12&tag=a&tag=b&note=caf%C3%A9+ok',
    );
    expect(event).toMatchObject({
      type: 'charge',
      data: { event: 'charge', amount: '12', tag: ['a', 'b'], note: 'café ok' },
    });
  });

  it('multipart/form-data becomes fields; files are described, not stored in data', async () => {
    const form = new FormData();
    form.append('event_type', 'upload.finished');
    form.append('comment', 'größer');
    form.append('file', new Blob([Buffer.from([0, 1, 2, 3])], { type: 'image/png' }), 'pixel.png');
    const res = await fetch(`${t.url}${BASE}/in/app`, { method: 'POST', headers: AUTH, body: form });
    expect(res.status).toBe(200);
    const event = await storedEvent(t, ((await res.json()) as { eventId: string }).eventId);
    expect(event.type).toBe('upload.finished');
    expect(event.data).toMatchObject({
      event_type: 'upload.finished',
      comment: 'größer',
      file: { filename: 'pixel.png', contentType: 'image/png', size: 4 },
    });
    expect(event.contentType).toMatch(/^multipart\/form-data; boundary=/);
  });

  it('text becomes a string (in its charset)', async () => {
    const event = await accepted(
      { 'content-type': 'text/plain; charset=iso-8859-1', 'x-event-type': 'note' },
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    );
    expect(event).toMatchObject({ type: 'note', data: 'café' });
  });

  it('other content types are kept as raw bytes only (data null), served back by GET /events/{id}/raw', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x7b, 0x22]);
    const event = await accepted(
      { 'content-type': 'application/octet-stream', 'x-webhook-event': 'blob.put' },
      bytes,
    );
    expect(event).toMatchObject({ type: 'blob.put', data: null, contentType: 'application/octet-stream' });
    expect(event.rawBody?.equals(bytes)).toBe(true);
    const raw = await fetch(`${t.url}${BASE}/events/${event.id}/raw`, {
      headers: { authorization: `Bearer ${t.api.token}` },
    });
    expect(raw.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await raw.arrayBuffer()).equals(bytes)).toBe(true);
    const none = await accepted({}, Buffer.from('no content type'));
    expect(none).toMatchObject({ type: 'unknown', data: null });
  });

  it('malformed JSON with a JSON content type: 400, kept as a failed event with the parse error, never routed', async () => {
    await t.api.post(`${BASE}/rules`, {
      name: 'everything',
      pattern: { source: ['webhook:app'] },
      targets: [{ type: 'task', kind: 'seen' }],
    });
    const res = await deliver(t, 'app', {
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: '{"a":',
    });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'EH_INGEST_MALFORMED' });
    const id = /stored as (evt_\w+)/.exec(JSON.stringify(res.json.errors))?.[1];
    const event = await storedEvent(t, id!);
    expect(event).toMatchObject({ status: 'failed', type: 'unparsable', data: null });
    expect(event.error).toContain('could not be parsed as application/json');
    expect(event.rawBody?.toString()).toBe('{"a":');
    const actions = await t.api.get(`${BASE}/actions?event=${id}`);
    expect(actions.body.items).toEqual([]);
    const bad = await deliver(t, 'app', {
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: Buffer.from([0x22, 0xff, 0x22]),
    });
    expect(bad.status).toBe(400);
  });

  it('event type from the source’s eventType (header, then JMESPath), then the defaults', async () => {
    await createSource(t, {
      slug: 'typed',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: KEY,
      eventType: { header: 'x-kind', jmespath: "join('.', [resource, action])" },
    });
    const post = async (headers: Record<string, string>, body: string) => {
      const res = await deliver(t, 'typed', {
        headers: { ...AUTH, 'content-type': 'application/json', ...headers },
        body,
      });
      return (await storedEvent(t, res.json.eventId)).type;
    };
    expect(await post({ 'x-kind': 'from.header' }, '{"resource":"order","action":"paid"}')).toBe(
      'from.header',
    );
    expect(await post({}, '{"resource":"order","action":"paid","type":"ignored"}')).toBe('order.paid');
    expect(await post({}, '{"event_type":"fallback"}')).toBe('fallback');
    expect(await post({}, '{"type":7}')).toBe('unknown');
    const bad = await t.api.post(`${BASE}/sources`, {
      slug: 'bad-type',
      provider: 'github',
      secret: 's',
      eventType: { jmespath: 'a[' },
    });
    expect(bad.status).toBe(400);
  });

  it('idempotency keys: ordered fallbacks of header.<name> and body.<dot.path>', async () => {
    await createSource(t, {
      slug: 'keyed',
      verifier: { type: 'api_key', in: 'header', name: 'x-api-key' },
      secret: KEY,
      idempotencyKeys: ['header.x-delivery', 'body.meta.id', 'body.items.0.id'],
    });
    const post = async (headers: Record<string, string>, body: string) => {
      const res = await deliver(t, 'keyed', {
        headers: { ...AUTH, 'content-type': 'application/json', ...headers },
        body,
      });
      return { ...res.json, key: (await storedEvent(t, res.json.eventId)).idempotencyKey };
    };
    const a = await post({ 'x-delivery': 'D-1' }, '{"meta":{"id":"M-1"}}');
    expect(a).toMatchObject({ key: 'D-1', duplicate: false });
    expect(await post({}, '{"meta":{"id":"M-1"}}')).toMatchObject({ key: 'M-1', duplicate: false });
    expect(await post({}, '{"meta":{"id":"M-1"},"other":true}')).toMatchObject({
      key: 'M-1',
      duplicate: true,
    });
    expect(await post({}, '{"items":[{"id":42}]}')).toMatchObject({ key: '42', duplicate: false });
    expect(await post({}, '{"nothing":true}')).toMatchObject({ key: null, duplicate: false });
    expect(await post({}, '{"nothing":true}')).toMatchObject({ key: null, duplicate: false });
    const bad = await t.api.post(`${BASE}/sources`, {
      slug: 'bad-keys',
      provider: 'github',
      secret: 's',
      idempotencyKeys: ['query.id'],
    });
    expect(bad.status).toBe(400);
  });
});
