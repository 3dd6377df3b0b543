// SecretBox seals secrets at rest (SPEC §10): what one key seals only that key opens, and tampering is detected.
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/core/secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(SecretBox.generateKey());

  it('opens what it sealed; the sealed form hides the value and differs each time', () => {
    const a = box.seal('whsec_secret-value');
    const b = box.seal('whsec_secret-value');
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('secret-value');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('whsec_secret-value');
    expect(box.openOrNull(b)).toBe('whsec_secret-value');
  });

  it('refuses another key’s value, a tampered one and plain text; openOrNull gives null instead', () => {
    const sealed = box.seal('token');
    const other = new SecretBox(SecretBox.generateKey());
    const [version, iv, tag, ct] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(ct, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    const tampered = [version, iv, tag, flipped.toString('base64url')].join('.');
    for (const bad of [tampered, 'token', 'v2.a.b.c']) {
      expect(() => box.open(bad)).toThrow();
      expect(box.openOrNull(bad)).toBeNull();
    }
    expect(() => other.open(sealed)).toThrow();
    expect(other.openOrNull(sealed)).toBeNull();
  });

  it('takes only a 32-byte master key', () => {
    expect(() => new SecretBox(Buffer.alloc(16).toString('base64'))).toThrow(RangeError);
  });
});
