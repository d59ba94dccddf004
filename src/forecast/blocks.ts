/**
 * The stored form of an import's series: blocks of up to {@link ITEMS_PER_BLOCK} items in
 * sorted item order, each one binary file
 *   [u32 header length][JSON header][padding to 8][Float64 target values][Float64 related values per column]
 * Each item's target is on the grid from its first to its last observation (NaN where a
 * point is missing; filling happens at read time, so the stored data is what was imported);
 * related values likewise from the item's first to last related row. A shard job reads
 * only its blocks, one at a time, so its memory does not grow with the number of series.
 */

/** Items per block at most: about 4 MB of daily items' three years. */
export const ITEMS_PER_BLOCK = 500;
/** Fewer than 16 blocks only when there are fewer than 16 items, so small groups still split across shards. */
export const MIN_BLOCKS = 16;

/** Items per block for an import of `items` items. */
export function blockSize(items: number): number {
  return Math.min(ITEMS_PER_BLOCK, Math.max(1, Math.ceil(items / MIN_BLOCKS)));
}

export interface BlockItem {
  item: string;
  /** Grid index of the first target point. */
  first: number;
  length: number;
  /** Offset into the block's target values. */
  offset: number;
  /** Related rows: grid index of the first, how many points, offset into each related column (absent: no related rows). */
  rel?: { first: number; length: number; offset: number };
  /** Metadata category codes, one per metadata column (-1: none). */
  cat?: number[];
}

export interface BlockHeader {
  version: 1;
  items: BlockItem[];
  related: string[];
  targetLength: number;
  relatedLength: number;
}

export interface Block {
  header: BlockHeader;
  target: Float64Array;
  /** One array per related column. */
  related: Float64Array[];
}

export function encodeBlock(block: Block): Buffer {
  const json = Buffer.from(JSON.stringify(block.header));
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const size = start + 8 * (block.header.targetLength + block.header.relatedLength * block.header.related.length);
  const out = Buffer.alloc(size);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  const view = new Float64Array(out.buffer, out.byteOffset + start, (size - start) / 8);
  view.set(block.target.subarray(0, block.header.targetLength), 0);
  block.related.forEach((col, j) => view.set(col.subarray(0, block.header.relatedLength), block.header.targetLength + j * block.header.relatedLength));
  return out;
}

export function decodeBlock(buf: Buffer): Block {
  const length = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + length).toString('utf8')) as BlockHeader;
  if (header.version !== 1) throw new Error(`unknown series block version ${String(header.version)}`);
  const start = Math.ceil((4 + length) / 8) * 8;
  const count = header.targetLength + header.relatedLength * header.related.length;
  // A Float64Array needs an 8-byte aligned offset; a pooled or sliced buffer may not have one.
  const aligned = (buf.byteOffset + start) % 8 === 0 ? buf : Buffer.from(buf);
  const data = new Float64Array(aligned.buffer, aligned.byteOffset + start, count);
  return {
    header,
    target: data.subarray(0, header.targetLength),
    related: header.related.map((_, j) => data.subarray(header.targetLength + j * header.relatedLength, header.targetLength + (j + 1) * header.relatedLength)),
  };
}

/** Blocks [from, to) of shard `shard` out of `shards` over `blocks` blocks. */
export function shardBlocks(blocks: number, shards: number, shard: number): { from: number; to: number } {
  return { from: Math.floor((shard * blocks) / shards), to: Math.floor(((shard + 1) * blocks) / shards) };
}

/** The artifact key of block `k` of an import. */
export function blockKey(dataKey: string, k: number): string {
  return `${dataKey}blocks/${String(k).padStart(6, '0')}.bin`;
}

/** The import's item index: sorted items, their target span and how far related series reach past it. */
export interface ItemIndex {
  items: string[];
  first: number[];
  last: number[];
  /** Grid steps related series reach past the item's last target point (null: no related rows; absent: no related dataset). */
  cover?: (number | null)[];
  /** Anchor of the grid (epoch ms). */
  anchorMs: number;
  blocks: number;
  itemsPerBlock: number;
}

export const itemIndexKey = (dataKey: string): string => `${dataKey}items.json`;
