/**
 * Calls a PHP worker makes into its sidecar while it handles a request:
 * `askr_cache_forget_tag()` → `cache.forgetTags`, `askr_broadcast()` → `broadcast`.
 * Each feature registers the operations it serves. A call with an id expects a
 * reply (the PHP function blocks until the sidecar has applied it); a call with
 * id 0 is fire-and-forget but still applied in order.
 */
export interface WorkerCallContext {
  /** Id of the request the worker is handling, if any. */
  readonly requestId: string | undefined;
  /** PID of the calling worker. */
  readonly workerPid: number;
}

export type WorkerCallHandler = (args: Record<string, unknown>, ctx: WorkerCallContext) => unknown;

export class WorkerCallRegistry {
  private readonly handlers = new Map<string, WorkerCallHandler>();

  /**
   * @param fallback serves operations nobody registered (replays answer them with null).
   * @param onUnanswered hears about failures of calls the worker did not wait for
   *   (askr_broadcast()): nobody else would ever see them.
   */
  constructor(
    private readonly fallback?: (op: string, args: Record<string, unknown>, ctx: WorkerCallContext) => unknown,
    readonly onUnanswered?: (op: string, error: Error, ctx: WorkerCallContext) => void,
  ) {}

  register(op: string, handler: WorkerCallHandler): void {
    if (this.handlers.has(op)) throw new Error(`worker call "${op}" registered twice`);
    this.handlers.set(op, handler);
  }

  /** Runs a call; unknown operations reject with a message the PHP side turns into an exception. */
  async invoke(op: string, args: Record<string, unknown>, ctx: WorkerCallContext): Promise<unknown> {
    const handler = this.handlers.get(op);
    if (!handler && this.fallback) return await this.fallback(op, args, ctx);
    if (!handler) throw new Error(`unknown askr operation "${op}" (is the feature enabled?)`);
    return await handler(args, ctx);
  }
}
