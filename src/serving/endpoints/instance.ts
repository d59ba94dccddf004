/**
 * One endpoint instance: a model-server child process on its own 127.0.0.1 port, the
 * router's keep-alive connections to it, and its admission control — at most
 * `maxConcurrency` requests at the server, at most `maxQueue` waiting, the rest refused
 * (429) so that overload shows up as refusals instead of growing latency.
 *
 * A crashed server is restarted with backoff; the requests it held get 503 (the socket
 * closes under them, and queued ones are refused), never a hang.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Pool, errors as undiciErrors } from 'undici';
import { OrchardError } from '../../core/index.js';
import { MODEL_LOAD_FAILED_EXIT, TEST_DELAY_HEADER, type ModelServerMessage, type ModelServerSpec } from './protocol.js';
import type { InstanceInfo, InstanceStatus } from './types.js';

export interface InstanceOptions {
  id: string;
  spec: ModelServerSpec;
  maxConcurrency: number;
  maxQueue: number;
  /** Longest a model call may take before the caller gets 504. */
  timeoutMs: number;
  /** How long start() waits for the server to listen and answer /ping. @default 60000 */
  startTimeoutMs?: number;
  log(message: string): void;
  /** Told when the instance enters or leaves service (routing tables cache the ready set). */
  onStatus?(instance: ModelInstance): void;
}

/** What a caller sends through to the model server. */
export interface ForwardRequest {
  body: Buffer;
  contentType: string | undefined;
  accept: string | undefined;
  testDelay?: string;
}

export interface ForwardResult {
  status: number;
  contentType: string;
  body: Buffer;
  /** Milliseconds at the model server (connection included). */
  modelMs: number;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** The server program next to this file (compiled `.js`, or `.ts` under tsx/vitest). */
function serverProgram(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const program = path.join(path.dirname(here), `model-server${ext}`);
  return ext === '.ts' ? { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), program] } : { command: process.execPath, args: [program] };
}

const RESTART_BACKOFF_MS = [200, 500, 1000, 2000, 5000, 10_000];
/** An instance that has served this long is healthy again: its next crash restarts at once. */
const STABLE_MS = 30_000;
const PING_FAILURES_BEFORE_KILL = 3;

export class ModelInstance {
  status: InstanceStatus = 'Pending';
  inFlight = 0;
  restarts = 0;
  pid: number | null = null;
  port: number | null = null;
  startedAt: Date | null = null;
  failure: string | null = null;

  private child: ChildProcess | null = null;
  private pool: Pool | null = null;
  private pinger: Client | null = null;
  private readonly queue: Waiter[] = [];
  private stopping = false;
  private crashes = 0;
  private pingFailures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stderrTail: string[] = [];
  private drained: (() => void) | null = null;

  constructor(private readonly options: InstanceOptions) {}

  get id(): string {
    return this.options.id;
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Starts the server and resolves once it answers /ping; rejects if it cannot. */
  async start(): Promise<void> {
    await this.launch();
  }

  info(): InstanceInfo {
    return {
      id: this.id,
      status: this.status,
      pid: this.pid,
      port: this.port,
      restarts: this.restarts,
      inFlight: this.inFlight,
      queued: this.queue.length,
      startedAt: this.startedAt?.toISOString() ?? null,
    };
  }

  /**
   * Sends one invocation, waiting for a free slot when the server is busy. Throws
   * ORCH_ENDPOINT_THROTTLED when the queue is full, ORCH_ENDPOINT_INSTANCE_FAILED when
   * the server dies under the request, ORCH_ENDPOINT_MODEL_TIMEOUT after the time limit.
   */
  async invoke(request: ForwardRequest): Promise<ForwardResult> {
    if (this.inFlight >= this.options.maxConcurrency) {
      if (this.queue.length >= this.options.maxQueue) throw throttled();
      await new Promise<void>((resolve, reject) => this.queue.push({ resolve, reject }));
    } else this.inFlight++;
    try {
      return await this.forward(request);
    } finally {
      this.release();
    }
  }

  /** True while the instance takes new requests. */
  get ready(): boolean {
    return this.status === 'InService';
  }

  /** Load as the router weighs it when choosing among instances. */
  get load(): number {
    return this.inFlight + this.queue.length;
  }

  /** Pings the server (health check); kills it after repeated failures so it restarts. */
  async healthCheck(): Promise<void> {
    if (this.status !== 'InService' || !this.pinger) return;
    const ok = await this.ping(this.pinger, 5000);
    if (ok) {
      this.pingFailures = 0;
      return;
    }
    if (++this.pingFailures >= PING_FAILURES_BEFORE_KILL && this.child) {
      this.options.log(`instance ${this.id} failed ${this.pingFailures} health checks; restarting it`);
      this.pingFailures = 0;
      this.child.kill('SIGKILL');
    }
  }

  /**
   * Takes the instance out of service, lets the requests it holds finish (up to
   * `graceMs`), then stops the server.
   */
  async stop(graceMs = 0): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.status === 'InService') this.setStatus('Draining');
    if (graceMs > 0 && this.load > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.drained = null;
    for (const w of this.queue.splice(0)) w.reject(unavailable('The instance was stopped'));
    await this.kill();
    await Promise.all([this.pool?.destroy().catch(() => undefined), this.pinger?.destroy().catch(() => undefined)]);
    this.pool = null;
    this.pinger = null;
    if (this.status !== 'Failed') this.setStatus('Draining');
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next.resolve();
    else this.inFlight--;
    if (this.drained && this.load === 0) this.drained();
  }

  private async forward(request: ForwardRequest): Promise<ForwardResult> {
    const pool = this.pool;
    if (!pool || this.status === 'Restarting' || this.status === 'Failed') throw unavailable('The instance is restarting');
    const headers: Record<string, string> = {};
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    if (request.accept !== undefined) headers.accept = request.accept;
    if (request.testDelay !== undefined) headers[TEST_DELAY_HEADER] = request.testDelay;
    const t0 = performance.now();
    try {
      const res = await pool.request({
        path: '/invocations',
        method: 'POST',
        headers,
        body: request.body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(chunk as Buffer);
      const contentType = res.headers['content-type'];
      return {
        status: res.statusCode,
        contentType: typeof contentType === 'string' ? contentType : 'application/octet-stream',
        body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
        modelMs: performance.now() - t0,
      };
    } catch (err) {
      throw this.translate(err);
    }
  }

  private translate(err: unknown): OrchardError {
    if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
      return new OrchardError('ORCH_ENDPOINT_MODEL_TIMEOUT', {
        message: `The model did not answer within ${this.options.timeoutMs} ms`,
        details: { timeoutMs: this.options.timeoutMs },
      });
    }
    return unavailable('The model server failed while handling the request', err);
  }

  private async launch(): Promise<void> {
    const program = serverProgram();
    this.stderrTail = [];
    const child = spawn(program.command, [...program.args, JSON.stringify(this.options.spec)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    });
    this.child = child;
    this.pid = child.pid ?? null;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      this.stderrTail.push(...text.split('\n').filter(Boolean));
      if (this.stderrTail.length > 20) this.stderrTail.splice(0, this.stderrTail.length - 20);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    const port = await Promise.race([
      new Promise<number>((resolve) =>
        child.on('message', (m: ModelServerMessage) => {
          if (m.type === 'listening') resolve(m.port);
        }),
      ),
      exited.then(({ code, signal }) => {
        throw new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message: `The model server exited before listening (${signal ?? `code ${code}`}): ${this.stderrTail.slice(-3).join(' ')}`.trim() });
      }),
      timeout(this.options.startTimeoutMs ?? 60_000, 'The model server did not start in time'),
    ]);
    this.port = port;
    const origin = `http://127.0.0.1:${port}`;
    this.pool = new Pool(origin, { connections: this.options.maxConcurrency, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 120_000 });
    this.pinger = new Client(origin, { pipelining: 1 });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (!(await this.ping(this.pinger, 2000))) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
        throw new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message: 'The model server did not answer /ping' });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (this.stopping || this.child !== child) return;
    this.startedAt = new Date();
    this.pingFailures = 0;
    this.failure = null;
    this.setStatus('InService');
  }

  private async ping(client: Client, timeoutMs: number): Promise<boolean> {
    try {
      const res = await client.request({ path: '/ping', method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.pid = null;
    for (const w of this.queue.splice(0)) w.reject(unavailable('The model server stopped'));
    const pool = this.pool;
    const pinger = this.pinger;
    this.pool = null;
    this.pinger = null;
    void pool?.destroy().catch(() => undefined);
    void pinger?.destroy().catch(() => undefined);
    if (this.stopping) return;
    const reason = `${signal ?? `code ${code}`}${this.stderrTail.length ? `: ${this.stderrTail.slice(-3).join(' ')}` : ''}`;
    if (code === MODEL_LOAD_FAILED_EXIT) {
      this.failure = `The model could not be loaded (${reason})`;
      this.setStatus('Failed');
      return;
    }
    this.failure = `The model server exited (${reason})`;
    this.scheduleRestart(reason);
  }

  private scheduleRestart(reason: string): void {
    const wasStable = this.startedAt !== null && Date.now() - this.startedAt.getTime() > STABLE_MS;
    if (wasStable) this.crashes = 0;
    const delay = RESTART_BACKOFF_MS[Math.min(this.crashes, RESTART_BACKOFF_MS.length - 1)];
    this.crashes++;
    this.restarts++;
    this.startedAt = null;
    this.options.log(`instance ${this.id} stopped (${reason}); restarting in ${delay} ms`);
    this.setStatus('Restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.launch().catch((err: Error) => {
        if (this.stopping || this.status === 'Failed' || this.restartTimer) return;
        // A server that is up but unhealthy is killed; its exit schedules the next try.
        if (this.child) this.child.kill('SIGKILL');
        else this.scheduleRestart(err.message);
      });
    }, delay);
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  private setStatus(status: InstanceStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(this);
  }
}

function throttled(): OrchardError {
  return new OrchardError('ORCH_ENDPOINT_THROTTLED', { details: { retryAfterSeconds: 1 } });
}

function unavailable(message: string, cause?: unknown): OrchardError {
  return new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message, cause });
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => {
    const t = setTimeout(() => reject(new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message })), ms);
    t.unref();
  });
}
