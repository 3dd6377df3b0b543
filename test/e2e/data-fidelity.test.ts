// What comes in goes out unchanged: bytes that Eventhook cannot keep as they came are refused (the sender learns it),
// never stored as U+FFFD, and text in a charset other than UTF-8 is read in that charset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const base = '/api/orgs/default/eventhook';
const NOT_UTF8 = Buffer.from([0xff]);

describe('data fidelity', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('sqlite');
  });
  afterAll(async () => t?.close());

  const publish = async (headers: Record<string, string>, body: Buffer) => {
    const res = await fetch(`${t.url}${base}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.api.token}`, ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, body: JSON.parse(text) as Record<string, any> };
  };
  const count = async () => ((await t.api.get(`${base}/events?limit=200`)).body.items as unknown[]).length;

  it('POST /events refuses JSON whose bytes are not UTF-8, as a webhook is refused, rather than store U+FFFD', async () => {
    const before = await count();
    const json = (type: string, data: string) =>
      Buffer.concat([
        Buffer.from(`{"type":"${type}","source":"s","id":"${type}","data":"`),
        NOT_UTF8,
        Buffer.from(`${data}"}`),
      ]);
    for (const [contentType, body] of [
      ['application/json', json('plain.json', 'a')],
      [
        'application/cloudevents+json',
        Buffer.concat([Buffer.from('{"specversion":"1.0",'), json('ce.json', 'b').subarray(1)]),
      ],
    ] as const) {
      const res = await publish({ 'content-type': contentType }, body);
      expect(res.status, `${contentType}: ${res.text}`).toBe(400);
      expect(res.body).toMatchObject({
        code: 'EH_REQUEST_MALFORMED',
        detail: expect.stringContaining('not valid UTF-8'),
      });
    }
    // Binary mode with JSON data: the body is the data, read by the same parser.
    const binary = await publish(
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'bin.json',
        'ce-source': 's',
        'ce-id': 'b',
      },
      Buffer.concat([Buffer.from('"x'), NOT_UTF8, Buffer.from('"')]),
    );
    expect(binary.status, binary.text).toBe(400);
    expect(await count()).toBe(before);
    // UTF-8, a byte order mark before it included, is taken as it was.
    const ok = await publish(
      { 'content-type': 'application/json' },
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"type":"ok.json","data":"é😀"}')]),
    );
    expect(ok.status, ok.text).toBe(200);
    expect((await t.api.get(`${base}/events/${ok.body.eventId}`)).body.data).toBe('é😀');
  });

  it('CloudEvents binary mode keeps text data in its charset, and refuses bytes that are not text rather than store U+FFFD', async () => {
    const ce = (id: string, contentType: string) => ({
      'content-type': contentType,
      'ce-specversion': '1.0',
      'ce-type': 'bin.text',
      'ce-source': 's',
      'ce-id': id,
    });
    const dataOf = async (res: { status: number; text: string; body: Record<string, any> }) => {
      expect(res.status, res.text).toBe(200);
      return (await t.api.get(`${base}/events/${res.body.eventId}`)).body.data;
    };
    // Latin-1 text, read as Latin-1, not as UTF-8 (where 0xE9 alone is no character).
    const latin1 = await publish(
      ce('l1', 'text/plain; charset=iso-8859-1'),
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    );
    expect(await dataOf(latin1)).toBe('café');
    const utf8 = await publish(ce('u8', 'application/xml'), Buffer.from('<a>café 😀</a>'));
    expect(await dataOf(utf8)).toBe('<a>café 😀</a>');

    const before = await count();
    for (const [id, contentType] of [
      ['bytes', 'application/octet-stream'],
      ['text', 'text/plain'],
    ] as const) {
      const res = await publish(
        ce(id, contentType),
        Buffer.concat([Buffer.from('ab'), NOT_UTF8, Buffer.from([0, 1])]),
      );
      expect(res.status, `${contentType}: ${res.text}`).toBe(400);
      expect(res.body).toMatchObject({
        code: 'EH_EVENT_INVALID',
        errors: [{ path: '/data', message: expect.stringContaining('data_base64') }],
      });
    }
    expect(await count()).toBe(before);
  });

  it('a webhook form in a charset other than UTF-8 is read in that charset, its raw bytes kept as they came', async () => {
    const source = await t.api.post(`${base}/sources`, { slug: 'form', verifier: { type: 'none' } });
    expect(source.status, source.text).toBe(201);
    const ingest = async (contentType: string, body: Buffer) => {
      const res = await fetch(`${t.url}${base}/in/form`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      expect(res.status).toBe(200);
      const { eventId } = (await res.json()) as { eventId: string };
      const raw = await fetch(`${t.url}${base}/events/${eventId}/raw`, {
        headers: { authorization: `Bearer ${t.api.token}` },
      });
      expect(Buffer.from(await raw.arrayBuffer()).equals(body)).toBe(true);
      return (await t.api.get(`${base}/events/${eventId}`)).body.data;
    };
    // Escaped and unescaped Latin-1 bytes alike (PayPal's IPN, older form posts).
    const latin1 = Buffer.concat([
      Buffer.from('name=Ren%E9&city=Z'),
      Buffer.from([0xfc]),
      Buffer.from('rich&tag=a&tag=b+c'),
    ]);
    expect(await ingest('application/x-www-form-urlencoded; charset=iso-8859-1', latin1)).toEqual({
      name: 'René',
      city: 'Zürich',
      tag: ['a', 'b c'],
    });
    expect(
      await ingest('application/x-www-form-urlencoded; charset="windows-1252"', Buffer.from('e=%E9t%E9+ok')),
    ).toEqual({
      e: 'été ok',
    });
    // UTF-8, the default, as before.
    expect(await ingest('application/x-www-form-urlencoded', Buffer.from('name=Ren%C3%A9&e='))).toEqual({
      name: 'René',
      e: '',
    });
  });

  it('a webhook multipart field is read in the charset its part names', async () => {
    await t.api.post(`${base}/sources`, { slug: 'mail', verifier: { type: 'none' } });
    const part = (name: string, headers: string, content: Buffer) =>
      Buffer.concat([
        Buffer.from(`--XX\r\nContent-Disposition: form-data; name="${name}"\r\n${headers}\r\n`),
        content,
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([
      part('text', 'Content-Type: text/plain; charset=iso-8859-1\r\n', Buffer.from([0x52, 0x65, 0x6e, 0xe9])),
      part('subject', 'Content-Type: text/plain; charset="UTF-8"\r\n', Buffer.from('Zürich')),
      part('plain', '', Buffer.from('été')),
      Buffer.from('--XX--\r\n'),
    ]);
    const res = await fetch(`${t.url}${base}/in/mail`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=XX' },
      body,
    });
    expect(res.status).toBe(200);
    const { eventId } = (await res.json()) as { eventId: string };
    expect((await t.api.get(`${base}/events/${eventId}`)).body.data).toEqual({
      text: 'René',
      subject: 'Zürich',
      plain: 'été',
    });
  });

  it('CloudEvents binary mode percent-decodes ce-* headers, as the HTTP binding has senders encode them', async () => {
    const res = await publish(
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'order.created',
        'ce-source': '"checkout app"',
        'ce-id': 'pct-1',
        'ce-subject': 'order%207%20%E2%82%AC%20%F0%9F%98%80%20100%',
      },
      Buffer.from('{"n":1}'),
    );
    expect(res.status, res.text).toBe(200);
    expect((await t.api.get(`${base}/events/${res.body.eventId}`)).body).toMatchObject({
      source: 'app:checkout app',
      type: 'order.created',
      subject: 'order 7 € 😀 100%',
    });
    // An overlong encoding of a space is not UTF-8: refused, as the binding says.
    const bad = await publish(
      {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 't',
        'ce-id': 'pct-2',
        'ce-subject': 'a%C0%A0',
      },
      Buffer.from('{}'),
    );
    expect(bad.status, bad.text).toBe(400);
    expect(bad.body).toMatchObject({ code: 'EH_EVENT_INVALID', errors: [{ path: '/subject' }] });
  });
});
