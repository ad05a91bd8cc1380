import type { ShmRegion } from '../shm/shm-region.js';
import { CACHE_REGION } from './cache-layout.js';
import { ShmFlightTable } from './shm-flight-table.js';
import type { ProcessIdentity } from './shm-mutex.js';
import { ShmStore, type ShmStoreOptions } from './shm-store.js';

/** The store and the coalescing table over one `response-cache` region, sharing one lock. */
export class ShmCache {
  readonly store: ShmStore;
  readonly flights: ShmFlightTable;

  constructor(region: Buffer, options: ShmStoreOptions) {
    this.store = new ShmStore(region, options);
    this.flights = new ShmFlightTable(this.store.views, this.store.mutex, () => {
      this.store.repairLocked();
    }, options.identity, options.isAlive);
  }

  /** Opens the cache in a mapped shared-memory file that includes `cacheRegions(config)`. */
  static fromRegion(shm: ShmRegion, options: ShmStoreOptions): ShmCache {
    return new ShmCache(shm.region(CACHE_REGION), options);
  }

  /**
   * For the process that created or reset the file: after a restart that
   * reused it, repair the store and drop claims of processes that are gone.
   * Returns false when a live process holds the lock (nothing to repair then).
   */
  prepare(now: number = Date.now()): boolean {
    this.flights.sweep(now);
    return this.store.repair();
  }
}

export type { ProcessIdentity };
