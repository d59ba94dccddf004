import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretKey, SecretBox, SECRET_KEY_FILE } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals with a fresh IV each time and opens what it sealed for the same owner', () => {
    const a = box.seal('whsec_abc', 'hook');
    expect(a).not.toContain('whsec_abc');
    expect(box.seal('whsec_abc', 'hook')).not.toBe(a);
    expect(box.open(a, 'hook')).toBe('whsec_abc');
  });

  it('refuses another owner, an altered value and another key, with the code and the reason', () => {
    const sealed = box.seal('whsec_abc', 'hook');
    expect(() => box.open(sealed, 'other')).toThrow(expect.objectContaining({ code: 'ORCH_WEBHOOK_SECRET_UNREADABLE', message: expect.stringContaining('does not authenticate') }));
    const parts = sealed.split('.');
    parts[4] = Buffer.from('x'.repeat(9)).toString('base64url');
    expect(() => box.open(parts.join('.'), 'hook')).toThrow(/does not authenticate/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'hook')).toThrow(/must share ORCHARD_SECRET_KEY/);
  });
});

describe('loadSecretKey', () => {
  it('takes ORCHARD_SECRET_KEY when set, and makes no file', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-key-'));
    const key = randomBytes(32);
    expect((await loadSecretKey({ home, secretKey: key.toString('base64') })).equals(key)).toBe(true);
    expect(fs.existsSync(path.join(home, SECRET_KEY_FILE))).toBe(false);
    fs.rmSync(home, { recursive: true });
  });

  it('otherwise makes one key file with mode 0600, and every later (or racing) load reads the same key', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-key-'));
    const keys = await Promise.all([1, 2, 3].map(() => loadSecretKey({ home, secretKey: undefined })));
    expect(keys[0]).toHaveLength(32);
    expect(keys.every((k) => k.equals(keys[0]))).toBe(true);
    expect(fs.statSync(path.join(home, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect((await loadSecretKey({ home, secretKey: undefined })).equals(keys[0])).toBe(true);
    fs.rmSync(home, { recursive: true });
  });
});
