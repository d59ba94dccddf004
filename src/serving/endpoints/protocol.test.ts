import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, FrameReader } from './protocol.js';

describe('the router channel frames', () => {
  it('round-trips requests and responses, whole or cut anywhere', () => {
    const big = Buffer.alloc(200_000, 'x');
    const requests = [
      { id: 1, delayMs: 0, contentType: 'text/csv', accept: '', body: Buffer.from('1,2,3\n'), explain: false },
      { id: 0xfffffffe, delayMs: 250, contentType: 'application/json', accept: 'text/csv', body: big, explain: true },
      { id: 7, delayMs: 0, contentType: '', accept: '', body: Buffer.alloc(0), explain: false },
    ];
    const bytes = Buffer.concat(requests.flatMap(encodeRequest));
    for (const cut of [1, 3, 5, 17, 4096, bytes.length]) {
      const reader = new FrameReader();
      const got: ReturnType<typeof decodeRequest>[] = [];
      for (let off = 0; off < bytes.length; off += cut) reader.push(bytes.subarray(off, off + cut), (f) => got.push(decodeRequest(Buffer.from(f))));
      expect(got.map((r) => ({ ...r, body: r.body.length }))).toEqual(requests.map((r) => ({ ...r, body: r.body.length })));
      expect(got[1].body.equals(big)).toBe(true);
    }
    const frame = encodeResponse({ id: 9, status: 400, contentType: 'application/json', body: '{"code":"é"}' });
    const reader = new FrameReader();
    let res: ReturnType<typeof decodeResponse> | undefined;
    reader.push(frame, (f) => (res = decodeResponse(f)));
    expect(res).toMatchObject({ id: 9, status: 400, contentType: 'application/json' });
    expect(res!.body.toString()).toBe('{"code":"é"}');
  });
});
