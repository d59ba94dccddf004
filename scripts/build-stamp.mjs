#!/usr/bin/env node
/**
 * The build's fingerprint: a SHA-256 over every file the build reads (src/, studio/, the
 * TypeScript configs, package.json and its lock file). `write` records it in
 * dist/.build-stamp after a build; `check` exits 0 when dist/ was built from exactly these
 * files, so `npm test` (whose pretest builds) skips a build `npm ci` has just made.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'dist', '.build-stamp');

function files(dir) {
  const out = [];
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...files(rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

function fingerprint() {
  const hash = createHash('sha256');
  const inputs = [...files('src'), ...files('studio'), 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'].sort();
  for (const rel of inputs) {
    hash.update(rel);
    hash.update('\0');
    hash.update(fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel)) : Buffer.alloc(0));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const command = process.argv[2];
if (command === 'write') {
  fs.mkdirSync(path.dirname(stampFile), { recursive: true });
  fs.writeFileSync(stampFile, `${fingerprint()}\n`);
} else if (command === 'check') {
  const recorded = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
  const fresh = recorded !== '' && recorded === fingerprint() && fs.existsSync(path.join(root, 'dist', 'studio', 'index.html'));
  if (fresh) console.log('dist/ is built from the current sources: no build needed');
  process.exit(fresh ? 0 : 1);
} else {
  console.error('usage: build-stamp.mjs write|check');
  process.exit(2);
}
