import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { describe, expect, it, vi } from 'vitest';
import { createFileArtifactStore } from '../storage/index.js';
import { Readable } from 'node:stream';
import { extract, materializeModel, seedModelCache } from './model-files.js';

async function storeWithArchive() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-mf-'));
  const artifacts = await createFileArtifactStore(`file://${path.join(root, 'store')}`);
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'model.json'), '{"format":"test"}');
  const archive = path.join(root, 'model.tar.gz');
  await tar.c({ gzip: true, file: archive, cwd: src }, ['model.json']);
  const info = await artifacts.put('models/a/1/model.tar.gz', fs.readFileSync(archive));
  return { root, artifacts, info };
}

describe('materializeModel', () => {
  it('unpacks once per sha256 and shares the folder between concurrent callers', async () => {
    const { root, artifacts, info } = await storeWithArchive();
    const model = { format: 'algorithm' as const, algorithm: 'xgboost', artifactKey: 'models/a/1/model.tar.gz', sha256: info.sha256 };
    const cache = path.join(root, 'cache');
    const get = vi.spyOn(artifacts, 'get');
    const dirs = await Promise.all([1, 2, 3].map(() => materializeModel(artifacts, model, cache)));
    expect(new Set(dirs).size).toBe(1);
    // Callers in one process wait for one download and unpacking.
    expect(get).toHaveBeenCalledTimes(1);
    expect(fs.readFileSync(path.join(dirs[0], 'model.json'), 'utf8')).toBe('{"format":"test"}');
    // Only the final folder is left: no staging copies.
    expect(fs.readdirSync(cache)).toEqual([info.sha256]);
    fs.writeFileSync(path.join(dirs[0], 'marker'), 'x');
    expect(fs.existsSync(path.join(await materializeModel(artifacts, model, cache), 'marker'))).toBe(true);
    await artifacts.close();
  });

  it('stores an ONNX model as model.onnx and refuses a broken archive', async () => {
    const { root, artifacts } = await storeWithArchive();
    const onnx = await artifacts.put('models/b/1/model.onnx', Buffer.from([8, 7, 18, 4]));
    const dir = await materializeModel(artifacts, { format: 'onnx', algorithm: null, artifactKey: 'models/b/1/model.onnx', sha256: onnx.sha256 }, path.join(root, 'cache'));
    expect([...fs.readFileSync(path.join(dir, 'model.onnx'))]).toEqual([8, 7, 18, 4]);

    const junk = await artifacts.put('models/c/1/model.tar.gz', 'not gzip');
    await expect(materializeModel(artifacts, { format: 'algorithm', algorithm: 'xgboost', artifactKey: 'models/c/1/model.tar.gz', sha256: junk.sha256 }, path.join(root, 'cache'))).rejects.toMatchObject({
      code: 'ORCH_MODEL_INVALID',
    });
    expect(fs.existsSync(path.join(root, 'cache', junk.sha256))).toBe(false);
    await artifacts.close();
  });

  it('unpacks as the archive streams, and refuses bytes that no longer match the record, leaving nothing', async () => {
    const { root, artifacts, info } = await storeWithArchive();
    const model = { format: 'algorithm' as const, algorithm: 'xgboost', artifactKey: 'models/a/1/model.tar.gz', sha256: info.sha256 };
    // Another valid archive of other content put in place of the stored bytes, behind the store's back.
    const other = path.join(root, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'model.json'), '{"format":"TEST"}');
    await tar.c({ gzip: true, file: path.join(root, 'other.tar.gz'), cwd: other }, ['model.json']);
    fs.copyFileSync(path.join(root, 'other.tar.gz'), path.join(root, 'store', 'models', 'a', '1', 'model.tar.gz'));
    const cache = path.join(root, 'cache');
    await expect(materializeModel(artifacts, model, cache)).rejects.toMatchObject({ code: 'ORCH_ARTIFACT_CHECKSUM_MISMATCH' });
    expect(fs.readdirSync(cache)).toEqual([]);
    await artifacts.close();
  });

  it('uses a folder seeded by a model check instead of downloading, and a seed never replaces a complete folder', async () => {
    const { root, artifacts, info } = await storeWithArchive();
    const model = { format: 'algorithm' as const, algorithm: 'xgboost', artifactKey: 'models/a/1/model.tar.gz', sha256: info.sha256 };
    const cache = path.join(root, 'cache');
    const checked = path.join(root, 'checked');
    fs.mkdirSync(checked);
    fs.writeFileSync(path.join(checked, 'model.json'), '{"format":"test"}');
    expect(await seedModelCache(model, checked, cache)).toBe(true);
    expect(fs.existsSync(checked)).toBe(false);
    const get = vi.spyOn(artifacts, 'get');
    const dir = await materializeModel(artifacts, model, cache);
    expect(get).not.toHaveBeenCalled();
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe('{"format":"test"}');
    // A second seed of the same model leaves the first folder (and its own) alone.
    const again = path.join(root, 'again');
    fs.mkdirSync(again);
    fs.writeFileSync(path.join(again, 'model.json'), 'other');
    expect(await seedModelCache(model, again, cache)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe('{"format":"test"}');
    // A pipeline's model has a folder of its own: not seeded.
    expect(await seedModelCache({ ...model, recipe: { artifactKey: 'r', sha256: 'f'.repeat(64) } }, again, cache)).toBe(false);
    await artifacts.close();
  });

  it('unpacks a plain tar and a gzipped one (read ahead in pieces of any size), and refuses gzip over broken bytes', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'orchard-mf-'));
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'model.json'), '{"format":"test"}');
    fs.writeFileSync(path.join(src, 'index.bin'), Buffer.alloc(300_000, 7));
    await tar.c({ file: path.join(root, 'plain.tar'), cwd: src }, ['model.json', 'index.bin']);
    await tar.c({ gzip: true, file: path.join(root, 'packed.tar.gz'), cwd: src }, ['model.json', 'index.bin']);
    const pieces = (file: string, size: number) => {
      const bytes = fs.readFileSync(file);
      return Readable.from(Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)));
    };
    for (const [name, stream] of [['a', pieces(path.join(root, 'plain.tar'), 4096)], ['b', pieces(path.join(root, 'packed.tar.gz'), 1)], ['c', pieces(path.join(root, 'packed.tar.gz'), 65536)]] as const) {
      await extract(stream, path.join(root, name));
      expect(fs.readFileSync(path.join(root, name, 'model.json'), 'utf8')).toBe('{"format":"test"}');
      expect(fs.readFileSync(path.join(root, name, 'index.bin')).equals(Buffer.alloc(300_000, 7))).toBe(true);
    }
    const broken = Buffer.concat([fs.readFileSync(path.join(root, 'packed.tar.gz')).subarray(0, 10), Buffer.alloc(2000, 0xff)]);
    await expect(extract(Readable.from([broken]), path.join(root, 'd'))).rejects.toMatchObject({ code: 'ORCH_MODEL_INVALID' });
  });
});
