import { createServer, type Server } from 'node:net';
import { unlinkSync } from 'node:fs';
import { AskrError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { TemplateClient } from '../php/template-client.js';
import { decide, initialMemory, scaleUpNeeded, type AutoscaleDecision, type AutoscaleMemory, type PoolGauges } from './autoscaler.js';
import { Exchange } from './exchange.js';
import { PhpWorker, type ReadyReport } from './php-worker.js';
import { ClassicIdle } from './classic-idle.js';
import { RequestQueue, type QueuedRequest } from './request-queue.js';
import { Retirements, type RecycleReason } from './retirements.js';
import type { DispatchRequest, ResponseSink } from './response-sink.js';
import type { WorkerCallRegistry } from './worker-calls.js';

export interface PoolOptions {
  /** Unix socket the workers of this pool connect to. */
  socketPath: string;
  /** Tag sent with SPAWN so the template's reports can be told apart. */
  tag: string;
  mode: 'worker' | 'classic';
  min: number;
  max: number;
  queueSize: number;
  requestTimeoutMs: number;
  deferTimeoutMs: number;
  /** Send short requests ahead to busy workers (--dispatch-ahead). */
  dispatchAhead: boolean;
  /** 0: never recycle by count. */
  maxRequests: number;
  /** 0: never recycle by memory. Bytes of PHP memory_get_usage(). */
  maxMemoryBytes: number;
  scaleDownDelayMs: number;
  /**
   * After a restart in front of a running template: how many workers forked
   * before the restart will reconnect, and how long to wait for them before
   * forking new ones (ms).
   */
  adopt?: { expected: number; graceMs: number };
}

/** Hooks the pool calls so that metrics and logs stay outside it. */
export interface PoolObserver {
  forked?(ms: number): void;
  autoscaled?(decision: AutoscaleDecision, gauges: PoolGauges): void;
  deferredDone?(report: ReadyReport): void;
  workerDied?(pid: number, reason: string): void;
  recycled?(reason: RecycleReason): void;
  /** A request was sent ahead to a busy worker ('sent'), or came back from one that exited first ('returned'). */
  ahead?(outcome: 'sent' | 'returned'): void;
}

export interface PoolSnapshot extends PoolGauges {
  idle: number;
  deferring: number;
  min: number;
  max: number;
  desired: number;
}

const TICK_MS = 50;
const SPAWN_TIMEOUT_MS = 20_000;
/** Dispatch ahead only while requests keep a worker for less than this on average (ms). */
const AHEAD_MAX_SERVICE_MS = 5;
/** …and only to a worker whose request has run less than this many average service times… */
const AHEAD_AGE_FACTOR = 2;
/** …counting an average under this as this (ms), so that jitter does not rule every worker out. */
const AHEAD_MIN_AGE_MS = 0.5;
/** Weight of the newest request in the service-time average. */
const SERVICE_EWMA_WEIGHT = 0.05;

/**
 * The PHP workers of one front process and the requests waiting for them.
 * Requests are dispatched FIFO to the most recently idle worker (its caches are
 * the warmest); the pool grows with demand at once and shrinks after a
 * cool-down (autoscaler.ts), recycles workers past --max-requests/--max-memory
 * (make before break: retirements.ts), replaces dead ones, and enforces the
 * request and defer time budgets.
 */
/** The client of a queued request has left (ResponseSink.gone). */
const isGone = (q: QueuedRequest): boolean => q.sink.gone?.() === true;

export class WorkerPool {
  private readonly server: Server;
  private readonly workers = new Set<PhpWorker>();
  private readonly idle: PhpWorker[] = [];
  private readonly classicIdle = new ClassicIdle();
  private readonly queue: RequestQueue;
  private readonly spawnSentAt: number[] = [];
  private readonly spawnByPid = new Map<number, number>();
  private starting: { at: number }[] = [];
  private memory: AutoscaleMemory = initialMemory();
  private ticker: NodeJS.Timeout | null = null;
  private draining = false;
  private lastDesired = 0;
  private spawnAfter = 0;
  private adoptWaiting = 0;
  private readonly readyWaiters: (() => void)[] = [];
  /** A moving average of how long a request keeps a worker (ms), for dispatch ahead. */
  private serviceMs = 0;
  /** Requests sent ahead to busy workers and not yet begun. */
  private aheadCount = 0;
  /** Workers past their recycle limit, serving on until their replacement is ready. */
  private readonly retirements = new Retirements<PhpWorker>();
  private readonly eligibleForReuse = (q: QueuedRequest): boolean => this.classicIdle.isEligible(q.request.script);
  min: number;
  max: number;

  constructor(
    private readonly options: PoolOptions,
    private readonly template: TemplateClient,
    private readonly calls: WorkerCallRegistry,
    private readonly log: Logger,
    private readonly observer: PoolObserver = {},
  ) {
    this.min = options.min;
    this.max = options.max;
    this.queue = new RequestQueue(options.queueSize);
    this.server = createServer((socket) => {
      this.adopt(new PhpWorker(socket, this, (pid) => { this.killPid(pid); }));
    });
    template.on('spawned', (e) => {
      if (e.tag !== options.tag) return;
      this.spawnByPid.set(e.pid, this.spawnSentAt.shift() ?? performance.now());
    });
    template.on('exited', (e) => {
      if (e.tag !== options.tag) return;
      this.spawnByPid.delete(e.pid);
      if (e.signal !== null) this.log.warn(`worker ${e.pid} was killed by signal ${e.signal}`);
      else if (e.status !== 0 && e.status !== null) this.log.warn(`worker ${e.pid} exited with status ${e.status}`);
      else this.log.debug(`worker ${e.pid} exited with status ${String(e.status)}`);
    });
    template.on('up', () => {
      this.reconcile();
    });
  }

  /** Listens for workers and forks the minimum. */
  async start(): Promise<void> {
    try {
      unlinkSync(this.options.socketPath);
    } catch {
      // Nothing left over from a previous run.
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.ticker = setInterval(() => {
      this.tick();
    }, TICK_MS);
    this.ticker.unref();
    const adopt = this.options.adopt;
    if (adopt && adopt.expected > 0) {
      this.adoptWaiting = adopt.expected;
      this.spawnAfter = performance.now() + adopt.graceMs;
      setTimeout(() => {
        this.spawnAfter = 0;
        this.reconcile();
      }, adopt.graceMs).unref();
    } else this.reconcile();
  }

  /** Resolves once at least one worker is ready, or rejects after `timeoutMs`. */
  waitForWorker(timeoutMs: number): Promise<void> {
    if (this.idle.length > 0 || this.classicIdle.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new AskrError('ASKR_ERR_TEMPLATE', `no PHP worker connected within ${timeoutMs} ms`));
      }, timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Hands a request to a worker now, or queues it (bounded). */
  dispatch(request: DispatchRequest, sink: ResponseSink, deadline: number): void {
    if (this.draining) {
      sink.fail(new AskrError('ASKR_ERR_DRAINING', 'the server is shutting down'));
      return;
    }
    const worker = this.takeIdle(request);
    if (worker) {
      this.assign(worker, request, sink, deadline);
      if (this.options.mode === 'classic') this.reconcile();
      return;
    }
    // Requests sent ahead wait for a worker too: --queue-size bounds them with the queue.
    // Requests whose clients left do not count against it.
    if (this.queue.length + this.aheadCount >= this.queue.limit) this.shedGone();
    if (this.queue.length + this.aheadCount >= this.queue.limit) {
      sink.fail(new AskrError('ASKR_ERR_QUEUE_FULL', `request queue is full (${this.queue.limit})`));
      return;
    }
    const ahead = this.aheadTarget(request);
    if (ahead) {
      this.aheadCount++;
      this.observer.ahead?.('sent');
      ahead.sendAhead(new Exchange(ahead, request, sink, this.calls, deadline));
      return;
    }
    this.queue.push({ request, sink, deadline, enqueuedAt: performance.now() });
    this.reconcile();
  }

  /**
   * Dispatch ahead: with every worker busy, a short request is written at once
   * to the busy worker likely to finish first, which reads it the moment it is
   * READY instead of sleeping until the front gets round to it. Only while
   * requests are short (a recent service time under AHEAD_MAX_SERVICE_MS), to
   * a worker whose request is not running long (under AHEAD_AGE_FACTOR times
   * that), one request per worker, bodies in memory only (a streamed body's
   * frames must not interleave); in classic mode only between scripts known
   * to leave nothing behind.
   */
  private aheadTarget(request: DispatchRequest): PhpWorker | undefined {
    if (!this.options.dispatchAhead || this.draining || request.body.kind !== 'inline' || this.serviceMs > AHEAD_MAX_SERVICE_MS) return undefined;
    const classic = this.options.mode === 'classic';
    if (classic && !this.classicIdle.isEligible(request.script)) return undefined;
    const oldest = performance.now() - AHEAD_AGE_FACTOR * Math.max(this.serviceMs, AHEAD_MIN_AGE_MS);
    let best: PhpWorker | undefined;
    for (const w of this.workers) {
      const current = w.exchange;
      if (w.state !== 'busy' || w.ahead !== null || w.stopPending || !current || current.request.body.kind !== 'inline') continue;
      if (w.servingSince < oldest || (best && w.servingSince >= best.servingSince)) continue;
      if (classic && !this.classicIdle.isEligible(current.request.script)) continue;
      best = w;
    }
    return best;
  }

  snapshot(): PoolSnapshot {
    let busy = 0;
    let deferring = 0;
    let alive = 0;
    for (const w of this.workers) {
      if (w.state === 'busy') busy++;
      else if (w.state === 'deferring') deferring++;
      // A worker told to stop is on its way out even while it finishes a request: it is not capacity.
      if (!w.stopPending && w.state !== 'stopping' && w.state !== 'dead' && w.state !== 'connecting') alive++;
    }
    return {
      alive,
      starting: this.starting.length,
      busy: busy + deferring,
      // Requests sent ahead are still waiting for a worker: the autoscaler must see them.
      queued: this.queue.length + this.aheadCount,
      idle: this.idle.length + this.classicIdle.size,
      deferring,
      min: this.min,
      max: this.max,
      desired: this.lastDesired,
    };
  }

  /** Changes the floor and the ceiling at run time (PUT /askr/workers). */
  setLimits(min: number, max: number): void {
    this.min = Math.max(1, Math.min(min, max));
    this.max = Math.max(1, max);
    this.tick();
  }

  /**
   * Graceful drain: refuse new requests, let queued and in-flight ones finish
   * (deferred work included), then stop the workers. Bounded by `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline && (this.queue.length > 0 || [...this.workers].some((w) => w.state === 'busy' || w.state === 'deferring'))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const item of this.queue.drain()) item.sink.fail(new AskrError('ASKR_ERR_DRAINING', 'the server is shutting down'));
    for (const w of this.workers) w.stop('shutdown');
    while (performance.now() < deadline + 2000 && [...this.workers].some((w) => w.state !== 'dead')) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const w of this.workers) w.kill('did not stop in time');
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    this.draining = true;
    for (const item of this.queue.drain()) item.sink.fail(new AskrError('ASKR_ERR_DRAINING', 'the server is shutting down'));
    for (const w of this.workers) w.kill('pool closed');
    await new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
  }

  // --- worker events (PhpWorker calls these) ---------------------------------

  hello(worker: PhpWorker): void {
    this.starting.shift();
    if (this.adoptWaiting > 0 && --this.adoptWaiting === 0) {
      // Every worker of the previous run is back: normal scaling resumes at once.
      this.spawnAfter = 0;
    }
    const sentAt = this.spawnByPid.get(worker.pid);
    if (sentAt !== undefined) {
      this.observer.forked?.(performance.now() - sentAt);
      this.spawnByPid.delete(worker.pid);
    }
    worker.recycleAt = recycleThreshold(this.options.maxRequests);
    for (const w of this.readyWaiters.splice(0)) w();
    // A newcomer takes the place of the worker that has waited longest for its replacement.
    const replaced = this.retirements.takeNext();
    if (replaced) this.stopWorker(replaced.worker, replaced.reason);
    this.becomeIdle(worker);
  }

  responseEnded(_worker: PhpWorker, _exchange: Exchange): void {
    // The worker stays busy (deferring) until READY; classic workers exit.
  }

  ready(worker: PhpWorker, report: ReadyReport, continued: boolean): void {
    if (report.deferred > 0) this.observer.deferredDone?.(report);
    if (report.reusable === true && typeof report.script === 'string') this.classicIdle.markEligible(report.script);
    this.serviceMs += (worker.lastServiceMs - this.serviceMs) * SERVICE_EWMA_WEIGHT;
    const recycle = this.recycleReason(worker, report);
    // It serves on until its replacement is ready (a request sent ahead included).
    if (recycle) this.retire(worker, recycle);
    if (continued) {
      this.aheadCount--;
      return;
    }
    if (worker.state === 'stopping') return;
    this.becomeIdle(worker);
  }

  /** Why a worker that just reported must be replaced, if it must. */
  private recycleReason(worker: PhpWorker, report: ReadyReport): RecycleReason | null {
    if (worker.recycleAt > 0 && report.requests >= worker.recycleAt) return 'max-requests';
    if (this.options.maxMemoryBytes > 0 && report.memory >= this.options.maxMemoryBytes) return 'max-memory';
    return null;
  }

  declined(worker: PhpWorker, exchange: Exchange, script: string): void {
    this.classicIdle.markIneligible(script);
    this.queue.unshift({ request: exchange.request, sink: exchange.sink, deadline: exchange.deadline, enqueuedAt: performance.now() });
    this.log.debug(`worker ${worker.pid} declined ${script}; it goes to a fresh process`);
    this.reconcile();
  }

  returned(_worker: PhpWorker, exchange: Exchange): void {
    this.aheadCount--;
    if (exchange.settled) return;
    this.observer.ahead?.('returned');
    const { request, sink, deadline } = exchange;
    const worker = this.takeIdle(request);
    if (worker) {
      this.assign(worker, request, sink, deadline);
      return;
    }
    this.queue.unshift({ request, sink, deadline, enqueuedAt: performance.now() });
    this.reconcile();
  }

  died(worker: PhpWorker, reason: string): void {
    this.workers.delete(worker);
    this.retirements.remove(worker);
    const i = this.idle.indexOf(worker);
    if (i !== -1) this.idle.splice(i, 1);
    this.classicIdle.remove(worker);
    if (reason !== '') {
      this.log.warn(`worker ${worker.pid} died: ${reason}; forking a replacement`);
      this.observer.workerDied?.(worker.pid, reason);
    }
    this.reconcile();
  }

  // --- internals ----------------------------------------------------------------

  private adopt(worker: PhpWorker): void {
    this.workers.add(worker);
  }

  private becomeIdle(worker: PhpWorker): void {
    const next = this.nextQueued(worker);
    if (next) {
      this.assign(worker, next.request, next.sink, next.deadline);
      return;
    }
    if (this.draining && this.queue.length === 0) {
      worker.stop('shutdown');
      return;
    }
    if (this.options.mode === 'classic') this.classicIdle.add(worker);
    else this.idle.push(worker);
  }

  /** The queued request this worker should take next, dropping on the way those whose client has left. */
  private nextQueued(worker: PhpWorker): QueuedRequest | undefined {
    for (;;) {
      // A reused classic process may only take scripts known to leave nothing behind.
      const next = this.options.mode === 'classic' && worker.requests > 0 ? this.queue.takeFirst(this.eligibleForReuse, 64) : this.queue.shift();
      if (!next || !isGone(next)) return next;
      this.shed(next);
    }
  }

  /**
   * A request whose client left before a worker took it is not run (HAProxy's
   * `abortonclose`, nginx's 499): under overload, clients that time out and
   * retry would otherwise fill the queue with work nobody reads.
   */
  private shedGone(): void {
    if (this.queue.length > 0) for (const item of this.queue.removeWhere(isGone)) this.shed(item);
  }

  private shed(item: QueuedRequest): void {
    item.sink.fail(new AskrError('ASKR_ERR_CLIENT_GONE', `the client left while ${item.request.method} ${item.request.uri} waited for a worker`));
  }

  /** An idle worker that may take this request (in classic mode: one eligible for its script). */
  private takeIdle(request: DispatchRequest): PhpWorker | undefined {
    return this.options.mode === 'classic' ? this.classicIdle.take(request.script) : this.idle.pop();
  }

  private assign(worker: PhpWorker, request: DispatchRequest, sink: ResponseSink, deadline: number): void {
    const exchange = new Exchange(worker, request, sink, this.calls, deadline);
    worker.begin(exchange);
  }

  /**
   * Make before break: forks the replacement of a worker past its recycle limit
   * and lets it serve until the replacement says HELLO (a transient worker over
   * --workers-max). Stops it at once when no fork can be asked for now.
   */
  private retire(worker: PhpWorker, reason: RecycleReason): void {
    if (worker.stopPending || this.retirements.has(worker)) return;
    this.observer.recycled?.(reason);
    if (!this.draining && this.spawn(1)) {
      this.retirements.add(worker, reason, performance.now());
      return;
    }
    worker.stop(reason);
    this.reconcile();
  }

  /** Stops a worker now if it is idle, else once its current request is done. */
  private stopWorker(worker: PhpWorker, reason: string): void {
    const i = this.idle.indexOf(worker);
    if (i !== -1) this.idle.splice(i, 1);
    this.classicIdle.remove(worker);
    worker.stop(reason);
  }

  private killPid(pid: number): void {
    if (!this.template.kill(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Not ours to see (another PID namespace) or already gone.
      }
    }
  }

  private spawn(count: number): boolean {
    if (count <= 0 || !this.template.connected || performance.now() < this.spawnAfter) return false;
    if (!this.template.spawn(count, this.options.socketPath, this.options.tag)) return false;
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      this.starting.push({ at: now });
      this.spawnSentAt.push(now);
    }
    return true;
  }

  private reconcile(): void {
    // Draining keeps no spares, but what is queued still gets processes: a classic process that ran
    // a script it may not reuse exits after it, and a worker can die; without new ones the queue
    // would wait out the drain timeout and then be refused.
    const floor = this.draining ? 0 : this.min;
    let s = this.snapshot();
    if (this.options.mode === 'classic') {
      // No process for a request whose client left: looked at only when a process could be forked or
      // retired for the queue, since each look is a pass over it.
      if (s.queued > 0 && (s.alive + s.starting < this.max || this.classicIdle.reusedCount > 0)) {
        this.shedGone();
        s = this.snapshot();
      }
      // Keep `floor` processes ready ahead of demand, plus one per queued request.
      const needFresh = this.queue.count((q) => !this.classicIdle.isEligible(q.request.script), 64);
      const room = this.max - (s.alive + s.starting);
      // Every queued request wants a process (a fresh one can run anything); spares count reused idle ones.
      const want = Math.max(floor - this.classicIdle.reusedCount, 0) + s.queued - (this.classicIdle.freshCount + s.starting);
      const spawn = Math.max(0, Math.min(room, want));
      this.spawn(spawn);
      // At the ceiling with requests only a fresh process may run: retire idle reused ones to make room.
      for (let short = Math.min(needFresh, want) - spawn; short > 0; short--) {
        const reused = this.classicIdle.takeOldestReused();
        if (!reused) break;
        reused.stop('making room for a fresh process');
      }
      return;
    }
    const spawn = scaleUpNeeded(s, { min: floor, max: this.max });
    if (spawn > 0 && this.spawn(spawn)) {
      this.lastDesired = s.alive + s.starting + spawn;
      // Only growth past the floor is autoscaling; refilling the floor is not worth a log line.
      if (s.busy + s.queued > this.min) {
        this.observer.autoscaled?.({ spawn, harvest: 0, desired: this.lastDesired, memory: this.memory, reason: 'up' }, s);
      }
    }
  }

  private tick(): void {
    const now = performance.now();
    // Before forking for the queue: a request whose client left needs no process.
    this.shedGone();
    for (const item of this.queue.expire(now)) {
      item.sink.fail(new AskrError('ASKR_ERR_TIMEOUT', `request waited longer than --request-timeout (${this.options.requestTimeoutMs} ms) for a worker`));
    }
    this.starting = this.starting.filter((s) => now - s.at < SPAWN_TIMEOUT_MS);
    for (const overdue of this.retirements.takeOverdue(now, SPAWN_TIMEOUT_MS)) {
      this.log.warn(`worker ${overdue.worker.pid}: no replacement within ${SPAWN_TIMEOUT_MS} ms; recycling it without one`);
      this.stopWorker(overdue.worker, overdue.reason);
    }
    for (const w of this.workers) {
      const ex = w.exchange;
      const ahead = w.ahead;
      if (ahead && now >= ahead.deadline && !ahead.settled) {
        // The worker will still run it; its response goes nowhere.
        ahead.fail(new AskrError('ASKR_ERR_TIMEOUT', `request waited longer than --request-timeout (${this.options.requestTimeoutMs} ms) for a worker`));
      }
      if (w.state === 'busy' && ex) {
        if (now >= ex.deadline) {
          ex.fail(new AskrError('ASKR_ERR_TIMEOUT', `${ex.request.method} ${ex.request.uri} exceeded --request-timeout (${this.options.requestTimeoutMs} ms)`));
          w.kill('request timeout');
        }
      } else if (w.state === 'deferring' && now - w.phaseSince > this.options.deferTimeoutMs) {
        this.log.warn(`worker ${w.pid}: deferred work exceeded --defer-timeout (${this.options.deferTimeoutMs} ms); replacing it`);
        w.kill('deferred work exceeded --defer-timeout');
      }
    }
    if (this.draining) {
      // No scaling while draining; only what is queued is seen to (reconcile).
      this.reconcile();
      return;
    }
    if (this.options.mode === 'classic') {
      for (const w of this.classicIdle.takeIdleSince(now - this.options.scaleDownDelayMs)) w.stop('idle');
      this.reconcile();
      return;
    }
    const gauges = this.snapshot();
    const decision = decide(gauges, { min: this.min, max: this.max, scaleDownDelayMs: this.options.scaleDownDelayMs, harvestStepMs: Math.max(250, this.options.scaleDownDelayMs / 10) }, this.memory, now);
    this.memory = decision.memory;
    this.lastDesired = decision.desired;
    if (decision.spawn > 0) this.spawn(decision.spawn);
    for (let i = 0; i < decision.harvest; i++) {
      // The longest-idle worker goes first; busy and deferring ones are never picked.
      const victim = this.idle.shift();
      if (!victim) break;
      victim.stop(decision.reason === 'ceiling' ? 'ceiling lowered' : 'idle');
    }
    if (decision.reason !== 'steady') this.observer.autoscaled?.(decision, gauges);
  }
}

/**
 * The request count at which one worker is recycled: --max-requests plus up to
 * a tenth more, drawn per worker. Workers that share the load evenly would
 * otherwise all reach the limit within a few requests of each other and be
 * replaced at once, emptying the pool under load.
 */
export function recycleThreshold(maxRequests: number): number {
  if (maxRequests <= 0) return 0;
  return maxRequests + Math.floor(Math.random() * Math.floor(maxRequests / 10));
}
