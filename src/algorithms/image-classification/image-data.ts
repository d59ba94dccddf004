/**
 * A channel's labelled images, in the three layouts SageMaker's image classification
 * reads: a `.lst` file (`index \t label \t relative/path`, here or in a `<channel>_lst`
 * channel), an augmented manifest (JSON Lines with `source-ref` and a label attribute,
 * as a labeling job writes it), or one folder per class (classes in name order). Images
 * are decoded once into one float array [N, H, W, C] (pixels 0..255).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { OrchardError } from '../../core/errors.js';
import type { ChannelInput } from '../algorithm.js';
import type { ImageShape } from './hyperparameters.js';
import { decodeImageInto, ImageDecodeError } from './image-decode.js';

export interface ImageSet {
  rows: number;
  shape: ImageShape;
  /** [rows, H, W, C], 0..255. */
  pixels: Float32Array;
  labels: Int32Array;
  /** Folder-per-class layouts: the class of each label index. */
  classNames?: string[];
}

export interface ImageSetOptions {
  shape: ImageShape;
  numClasses: number;
  imageAttribute: string;
  /** The manifest's label attribute; undefined = the record's one numeric attribute. */
  labelAttribute: string | undefined;
  /** Class folders of the training channel, so validation folders get the same indices. */
  classNames?: string[];
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

function invalid(message: string, details: Record<string, unknown>): OrchardError {
  return new OrchardError('ORCH_TRAINING_DATA_INVALID', { message, details });
}

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, r)));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

/** The folder a channel's files are in (the channel folder itself). */
export function channelRoot(input: ChannelInput): string {
  if (input.files.length === 0) return '';
  return path.dirname(input.files[0]);
}

interface Entry {
  /** Path relative to the channel, for messages. */
  name: string;
  file: string;
  label: number;
}

function checkLabel(label: number, o: ImageSetOptions, channel: string, where: string): number {
  if (!Number.isInteger(label) || label < 0) throw invalid(`Channel "${channel}", ${where}: the label ${label} is not a non-negative integer`, { channel, label });
  if (label >= o.numClasses) throw invalid(`num_classes is ${o.numClasses} but channel "${channel}", ${where}, has label ${label}`, { field: 'num_classes', channel, label, num_classes: o.numClasses });
  return label;
}

async function lstEntries(lstFiles: string[], imageRoot: string, channel: string, o: ImageSetOptions): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const file of lstFiles) {
    const base = path.basename(file);
    let line = 0;
    for (const raw of (await fs.readFile(file, 'utf8')).split(/\r?\n/)) {
      line++;
      if (raw.trim() === '') continue;
      const cols = raw.split('\t');
      if (cols.length < 3) throw invalid(`Channel "${channel}", ${base} line ${line}: expected "index<TAB>label<TAB>path"`, { channel, line });
      const rel = cols[cols.length - 1].trim();
      const label = checkLabel(Number(cols[1]), o, channel, `${base} line ${line}`);
      out.push({ name: rel, file: path.join(imageRoot, rel), label });
    }
  }
  return out;
}

/** A manifest's `source-ref`: an artifact key, or `s3://bucket/key` (the key is used). */
function refPath(ref: string): string {
  const s3 = /^s3:\/\/[^/]+\/(.+)$/.exec(ref);
  return (s3 ? s3[1] : ref).replace(/^\/+/, '');
}

function manifestLabel(doc: Record<string, unknown>, o: ImageSetOptions, channel: string, where: string): number {
  if (o.labelAttribute !== undefined) {
    const v = doc[o.labelAttribute];
    if (v === undefined) throw invalid(`Channel "${channel}", ${where}: no attribute ${JSON.stringify(o.labelAttribute)} (attribute_names)`, { channel, field: 'attribute_names' });
    return checkLabel(Number(Array.isArray(v) ? v[0] : v), o, channel, where);
  }
  const numeric = Object.entries(doc).filter(([k, v]) => k !== o.imageAttribute && !k.endsWith('-metadata') && typeof v === 'number');
  if (numeric.length !== 1) {
    throw invalid(`Channel "${channel}", ${where}: ${numeric.length === 0 ? 'no numeric label attribute' : `several numeric attributes (${numeric.map(([k]) => k).join(', ')})`}; name the label with attribute_names`, { channel, field: 'attribute_names' });
  }
  return checkLabel(numeric[0][1] as number, o, channel, where);
}

async function manifestEntries(files: string[], root: string, channel: string, o: ImageSetOptions): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const file of files) {
    const base = path.basename(file);
    let line = 0;
    for (const raw of (await fs.readFile(file, 'utf8')).split('\n')) {
      line++;
      if (raw.trim() === '') continue;
      const where = `${base} line ${line}`;
      let doc: unknown;
      try {
        doc = JSON.parse(raw);
      } catch {
        throw invalid(`Channel "${channel}", ${where}: not valid JSON`, { channel, line });
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalid(`Channel "${channel}", ${where}: expected a JSON object`, { channel, line });
      const d = doc as Record<string, unknown>;
      const ref = d[o.imageAttribute];
      if (typeof ref !== 'string' || ref === '') throw invalid(`Channel "${channel}", ${where}: no ${JSON.stringify(o.imageAttribute)} attribute naming the image`, { channel, line });
      const rel = refPath(ref);
      if (rel.split('/').includes('..')) throw invalid(`Channel "${channel}", ${where}: ${JSON.stringify(ref)} leaves the channel`, { channel, line });
      out.push({ name: ref, file: path.join(root, rel), label: manifestLabel(d, o, channel, where) });
    }
  }
  return out;
}

function folderEntries(files: string[], root: string, channel: string, o: ImageSetOptions): { entries: Entry[]; classNames: string[] } {
  const images = files.filter((f) => IMAGE_EXT.test(f) && f.includes('/'));
  const classNames = o.classNames ?? [...new Set(images.map((f) => f.split('/')[0]))].sort();
  if (classNames.length > o.numClasses) throw invalid(`num_classes is ${o.numClasses} but channel "${channel}" has ${classNames.length} class folders`, { field: 'num_classes', channel, folders: classNames.length });
  const index = new Map(classNames.map((c, i) => [c, i]));
  const entries: Entry[] = [];
  for (const f of images) {
    const label = index.get(f.split('/')[0]);
    if (label === undefined) throw invalid(`Channel "${channel}": the folder ${JSON.stringify(f.split('/')[0])} is not a class of the training channel (${classNames.join(', ')})`, { channel });
    entries.push({ name: f, file: path.join(root, f), label });
  }
  return { entries, classNames };
}

/**
 * Reads a channel's images; `lst` is the files of its `<channel>_lst` channel, when given
 * (SageMaker's separate list channel), whose paths are relative to this channel.
 */
export async function loadImageSet(input: ChannelInput, channel: string, o: ImageSetOptions, lst?: ChannelInput): Promise<ImageSet> {
  const root = channelRoot(input);
  if (!root) throw invalid(`Channel "${channel}" is empty`, { channel });
  const files = await walk(root);
  let entries: Entry[];
  let classNames: string[] | undefined;
  const lstFiles = lst ? lst.files.filter((f) => f.endsWith('.lst')) : files.filter((f) => f.endsWith('.lst')).map((f) => path.join(root, f));
  const manifests = files.filter((f) => /\.(manifest|jsonl|json)$/i.test(f)).map((f) => path.join(root, f));
  if (lstFiles.length > 0) entries = await lstEntries(lstFiles, root, channel, o);
  else if (manifests.length > 0) entries = await manifestEntries(manifests, root, channel, o);
  else ({ entries, classNames } = folderEntries(files, root, channel, o));
  if (entries.length === 0) throw invalid(`Channel "${channel}" has no images (a .lst file, an augmented manifest, or one folder of PNG or JPEG images per class)`, { channel });
  const { height: H, width: W, channels: C } = o.shape;
  const size = H * W * C;
  const pixels = new Float32Array(entries.length * size);
  const labels = new Int32Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(e.file);
    } catch {
      throw invalid(`Channel "${channel}": the image ${JSON.stringify(e.name)} is not in the channel`, { channel, image: e.name });
    }
    try {
      decodeImageInto(bytes, o.shape, pixels, i * size);
    } catch (err) {
      if (err instanceof ImageDecodeError) throw invalid(`Channel "${channel}": the image ${JSON.stringify(e.name)} does not decode: ${err.message}`, { channel, image: e.name });
      throw err;
    }
    labels[i] = e.label;
  }
  return { rows: entries.length, shape: o.shape, pixels, labels, ...(classNames ? { classNames } : {}) };
}
