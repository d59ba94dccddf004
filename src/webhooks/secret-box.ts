import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../core/index.js';

/** The key file's name in the Orchard home, when ORCHARD_SECRET_KEY is not set. */
export const SECRET_KEY_FILE = 'secret-key';

const VERSION = 'v1';

/**
 * Seals and opens small secrets with AES-256-GCM under the platform key. A sealed value
 * is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts); the key id (the first 8
 * bytes of the key's sha256) tells "another key" apart from "tampered", and the
 * additional data (the owner's name) ties a sealed value to its row, so a value copied
 * to another row does not open.
 */
export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 32-byte key');
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  seal(plain: string, owner: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string, owner: string): string {
    const [version, keyId, iv, tag, ciphertext] = sealed.split('.');
    if (version !== VERSION || ciphertext === undefined) throw unreadable(`the stored secret of '${owner}' is not in a known format`);
    if (keyId !== this.keyId) {
      throw unreadable(`the secret of '${owner}' was sealed with key ${keyId}, this process has key ${this.keyId}: every server and worker on one metadata store must share ORCHARD_SECRET_KEY`);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(owner, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw unreadable(`the stored secret of '${owner}' does not authenticate (altered, or moved from another row)`, err);
    }
  }
}

function unreadable(message: string, cause?: unknown): OrchardError {
  return new OrchardError('ORCH_WEBHOOK_SECRET_UNREADABLE', { message: `Cannot decrypt the webhook secret: ${message}`, cause });
}

/**
 * The platform key: ORCHARD_SECRET_KEY when set (already checked by the config), else
 * `<home>/secret-key`, made once with mode 0600. Two processes making it at once agree:
 * the file is created exclusively and a loser reads the winner's key.
 */
export async function loadSecretKey(options: { home: string; secretKey: string | undefined }): Promise<Buffer> {
  if (options.secretKey !== undefined) return Buffer.from(options.secretKey, 'base64');
  const file = path.join(options.home, SECRET_KEY_FILE);
  await fs.mkdir(options.home, { recursive: true, mode: 0o700 });
  try {
    await fs.writeFile(file, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Read back in both cases: an exclusive create that lost a race reads the other's key.
  for (let tries = 0; ; tries++) {
    const key = Buffer.from((await fs.readFile(file, 'utf8')).trim(), 'base64');
    if (key.length === 32) return key;
    // The other process may be between creating the file and writing it.
    if (tries >= 20) throw new OrchardError('ORCH_CONFIG_INVALID', { message: `${SECRET_KEY_FILE} in the Orchard home does not hold a 32-byte base64 key` });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Loads the key on first use and keeps it: a process that never needs it makes no key file. */
export function lazySecretBox(options: { home: string; secretKey: string | undefined }): () => Promise<SecretBox> {
  let box: Promise<SecretBox> | undefined;
  return () => {
    box ??= loadSecretKey(options).then((key) => new SecretBox(key));
    box.catch(() => (box = undefined));
    return box;
  };
}
