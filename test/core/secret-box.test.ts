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

  it('takes only 32-byte master keys, current or previous', () => {
    expect(() => new SecretBox(Buffer.alloc(16).toString('base64'))).toThrow(RangeError);
    expect(() => new SecretBox(SecretBox.generateKey(), [Buffer.alloc(31).toString('base64')])).toThrow(
      RangeError,
    );
  });

  it('opens what a previous key sealed, seals with the current key only, and says which key a value is under', () => {
    const oldKey = SecretBox.generateKey();
    const newKey = SecretBox.generateKey();
    const before = new SecretBox(oldKey).seal('whsec_old');
    const rotating = new SecretBox(newKey, [oldKey]);
    expect(rotating.open(before)).toBe('whsec_old');
    expect(rotating.isCurrent(before)).toBe(false);
    const after = rotating.seal('whsec_new');
    expect(rotating.isCurrent(after)).toBe(true);
    // Sealed with the new key: the old key alone does not open it, the new one alone does.
    expect(new SecretBox(oldKey).openOrNull(after)).toBeNull();
    expect(new SecretBox(newKey).open(after)).toBe('whsec_new');
    expect(new SecretBox(newKey).openOrNull(before)).toBeNull();
    // A key neither current nor previous opens nothing.
    expect(() => new SecretBox(newKey, [SecretBox.generateKey()]).open(before)).toThrow();
  });

  it('opens a value only with its whole 16-byte tag: a cut tag, which GCM would check on fewer bits, is refused', () => {
    const box = new SecretBox(SecretBox.generateKey());
    const [version, iv, tag, ct] = box.seal('whsec_full_tag').split('.');
    for (const bytes of [4, 8, 12, 15]) {
      const cut = Buffer.from(tag!, 'base64url').subarray(0, bytes).toString('base64url');
      expect(box.openOrNull([version, iv, cut, ct].join('.')), `${bytes}-byte tag`).toBeNull();
    }
    expect(box.open([version, iv, tag, ct].join('.'))).toBe('whsec_full_tag');
  });
});
