import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { client, run } from '../context.js';
import { emit, formatBytes, table } from '../output.js';

type Json = { json?: boolean };

export function artifactsCommand(program: Command): void {
  const artifacts = program.command('artifacts').description('Objects in the artifact store (files, models, data to import)');

  artifacts
    .command('put <key>')
    .description('Upload a file under a key (streamed; sha256 recorded)')
    .requiredOption('--file <path>', 'file to upload')
    .option('--json', 'machine output')
    .action((key: string, opts: Json & { file: string }) =>
      run(opts, async () => {
        const info = await client().artifacts.put(key, opts.file);
        emit(opts, info, () => `Stored ${info.key} (${formatBytes(info.size)}, sha256 ${info.sha256})`);
      }),
    );

  artifacts
    .command('list')
    .description('List objects under a folder')
    .option('--prefix <folder>', 'folder to list')
    .option('--json', 'machine output')
    .action((opts: Json & { prefix?: string }) =>
      run(opts, async () => {
        const items = await client().artifacts.list(opts.prefix);
        emit(opts, { items }, () => (items.length ? table(['key', 'size', 'sha256', 'created'], items.map((a) => [a.key, formatBytes(a.size), a.sha256.slice(0, 16), a.createdAt])) : 'No objects.'));
      }),
    );

  artifacts
    .command('get <key>')
    .description('Download an object to a file (or stdout)')
    .option('--out <path>', 'file to write (default: stdout)')
    .action((key: string, opts: { out?: string }) =>
      run({}, async () => {
        const body = await client().artifacts.get(key);
        await pipeline(body, opts.out ? fs.createWriteStream(opts.out) : process.stdout);
      }),
    );

  artifacts
    .command('delete <key>')
    .description('Delete an object')
    .option('--json', 'machine output')
    .action((key: string, opts: Json) =>
      run(opts, async () => {
        await client().artifacts.delete(key);
        emit(opts, { deleted: key }, () => `Deleted ${key}`);
      }),
    );
}
