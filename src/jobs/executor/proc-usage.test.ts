import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { groupUsage, treeUsage, UsageMeter } from './proc-usage.js';

describe('proc usage', () => {
  it('reads a busy child tree and its group, and nothing once it is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'const a = Buffer.alloc(64 * 1024 * 1024, 1); const end = Date.now() + 1500; while (Date.now() < end) {} console.log(a.length)'], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    const meter = new UsageMeter(() => treeUsage(pid));
    expect(meter.sample()?.cpuPercent).toBeNull();
    await new Promise((r) => setTimeout(r, 800));
    const s = meter.sample();
    expect(s).not.toBeNull();
    expect(s!.cpuPercent!).toBeGreaterThan(20);
    expect(s!.memoryMiB).toBeGreaterThan(60);
    expect(groupUsage(pid)?.processes).toBe(1);
    await new Promise((r) => child.on('exit', r));
    expect(treeUsage(pid)).toBeNull();
    expect(groupUsage(pid)).toBeNull();
  });
});
