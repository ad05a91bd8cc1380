/** The last server event of a cache channel. */
export interface CachedEvent {
  readonly event: string;
  readonly data: unknown;
}

/**
 * Last event per cache channel (`cache-*`, `private-cache-*`, …), kept by every
 * front process from the events it applies from the ring, so each can replay
 * it to its own new subscribers. Expiry times are ms since the epoch.
 */
export class LastEventCache {
  private readonly entries = new Map<string, { value: CachedEvent; expires: number }>();

  set(app: string, channel: string, value: CachedEvent, expires: number): void {
    const key = `${app}\n${channel}`;
    // Re-inserting keeps the map in expiry order for the sweep below.
    this.entries.delete(key);
    this.entries.set(key, { value, expires });
  }

  get(app: string, channel: string, now: number): CachedEvent | undefined {
    const entry = this.entries.get(`${app}\n${channel}`);
    if (!entry) return undefined;
    if (entry.expires <= now) {
      this.entries.delete(`${app}\n${channel}`);
      return undefined;
    }
    return entry.value;
  }

  /** Drops expired entries (oldest first, stops at the first live one when TTLs are equal). */
  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expires <= now) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
