/**
 * One endpoint instance: a model-server child process on its own 127.0.0.1 port, the
 * router's channel to it (a socket pair carrying framed requests, see protocol.ts;
 * health checks use the server's HTTP `/ping`), and its admission control — at most
 * `maxConcurrency` requests at the server, at most `maxQueue` waiting, the rest refused
 * (429) so that overload shows up as refusals instead of growing latency.
 *
 * A crashed server is restarted with backoff; the requests it held get 503 (the channel
 * closes under them, and queued ones are refused), never a hang.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrchardError } from '../../core/index.js';
import { CHANNEL_FD, decodeResponse, encodeRequest, FrameReader, MODEL_LOAD_FAILED_EXIT, type ModelServerMessage, type ModelServerSpec } from './protocol.js';
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
  /** Ask the model for explanations beside its predictions (explain.ts). */
  explain?: boolean;
}

export interface ForwardResult {
  status: number;
  contentType: string;
  body: Buffer;
  /** Milliseconds at the model server (connection included). */
  modelMs: number;
}

interface Waiter {
  request: ForwardRequest;
  resolve(result: ForwardResult): void;
  reject(err: Error): void;
}

interface Pending {
  resolve(result: ForwardResult): void;
  reject(err: Error): void;
  /** performance.now() when sent, and when it times out. */
  t0: number;
  deadline: number;
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
  private channel: net.Socket | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private corked = false;
  private readonly queue: Waiter[] = [];
  private stopping = false;
  private crashes = 0;
  private pingFailures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
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
  invoke(request: ForwardRequest): Promise<ForwardResult> {
    if (this.inFlight < this.options.maxConcurrency) {
      this.inFlight++;
      return this.forward(request);
    }
    if (this.queue.length >= this.options.maxQueue) return Promise.reject(throttled());
    return new Promise<ForwardResult>((resolve, reject) => this.queue.push({ request, resolve, reject }));
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
    if (this.status !== 'InService' || this.port === null) return;
    const ok = await this.ping(5000);
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
    if (this.sweeper) clearInterval(this.sweeper);
    await this.kill();
    if (this.status !== 'Failed') this.setStatus('Draining');
  }

  /** A request at the server is done: its slot goes to the next queued one, or is freed. */
  private release(): void {
    const next = this.queue.shift();
    if (next) this.forward(next.request).then(next.resolve, next.reject);
    else this.inFlight--;
    if (this.drained && this.load === 0) this.drained();
  }

  /** Sends a request holding a slot; the slot is released however the request ends. */
  private forward(request: ForwardRequest): Promise<ForwardResult> {
    const channel = this.channel;
    if (channel === null || this.status === 'Restarting' || this.status === 'Failed') {
      this.release();
      return Promise.reject(unavailable('The instance is restarting'));
    }
    const id = this.nextId;
    this.nextId = id === 0xffffffff ? 1 : id + 1;
    const frames = encodeRequest({ id, delayMs: Number(request.testDelay ?? 0) || 0, contentType: request.contentType ?? '', accept: request.accept ?? '', body: request.body, explain: request.explain });
    return new Promise<ForwardResult>((resolve, reject) => {
      const t0 = performance.now();
      this.pending.set(id, { resolve, reject, t0, deadline: t0 + this.options.timeoutMs });
      // Requests of one event-loop turn leave in one write.
      if (!this.corked) {
        this.corked = true;
        channel.cork();
        setImmediate(() => {
          this.corked = false;
          channel.uncork();
        });
      }
      for (const frame of frames) channel.write(frame);
    });
  }

  private onFrame(frame: Buffer): void {
    const r = decodeResponse(frame);
    const p = this.pending.get(r.id);
    if (p === undefined) return; // timed out already
    this.pending.delete(r.id);
    p.resolve({ status: r.status, contentType: r.contentType, body: r.body, modelMs: performance.now() - p.t0 });
    this.release();
  }

  /**
   * Times out requests past their deadline. Every request of an instance has the same
   * limit and the map keeps insertion order, so the expired ones are at its start; one
   * timer per instance instead of one per request.
   */
  private sweep(): void {
    const now = performance.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) break;
      this.pending.delete(id);
      p.reject(new OrchardError('ORCH_ENDPOINT_MODEL_TIMEOUT', { message: `The model did not answer within ${this.options.timeoutMs} ms`, details: { timeoutMs: this.options.timeoutMs } }));
      this.release();
    }
  }

  /** Fails every request at the server (it died, or its channel broke). */
  private failPending(message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      p.reject(unavailable(message));
      this.release();
    }
  }

  private async launch(): Promise<void> {
    const program = serverProgram();
    this.stderrTail = [];
    const stdio: Array<'ignore' | 'pipe' | 'ipc'> = ['ignore', 'ignore', 'pipe', 'ipc'];
    stdio[CHANNEL_FD] = 'pipe';
    const child = spawn(program.command, [...program.args, JSON.stringify(this.options.spec)], {
      stdio,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    });
    this.child = child;
    this.pid = child.pid ?? null;
    const channel = child.stdio[CHANNEL_FD] as net.Socket;
    const reader = new FrameReader();
    channel.on('data', (chunk: Buffer) => reader.push(chunk, (frame) => this.onFrame(frame)));
    channel.on('error', () => undefined);
    this.channel = channel;
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(250, this.options.timeoutMs / 4)));
      this.sweeper.unref();
    }
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
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (!(await this.ping(2000))) {
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

  /** GET /ping on the server's HTTP port, as SageMaker's health check does. */
  private ping(timeoutMs: number): Promise<boolean> {
    const port = this.port;
    if (port === null) return Promise.resolve(false);
    return new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/ping', timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.pid = null;
    this.port = null;
    this.channel = null;
    // Queued requests first: the slots failPending frees must not hand them to a dead server.
    for (const w of this.queue.splice(0)) w.reject(unavailable('The model server stopped'));
    this.failPending('The model server stopped while handling the request');
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
  return new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message, cause, details: { retryAfterSeconds: 1 } });
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => {
    const t = setTimeout(() => reject(new OrchardError('ORCH_ENDPOINT_INSTANCE_FAILED', { message })), ms);
    t.unref();
  });
}
