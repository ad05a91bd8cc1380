import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { ServeConfig } from '../config/serve-config.js';
import { GAUGE_REGION } from '../shm/gauge-board.js';
import type { RegionSpec } from '../shm/shm-layout.js';
import { featureRegions } from './feature-set.js';

/** Every shared-memory region of a pod with this configuration. */
export function layoutRegions(config: ServeConfig): RegionSpec[] {
  return [GAUGE_REGION, ...featureRegions(config)];
}

/**
 * Identifies the app (root, worker script) whose cache may live in the file: a
 * restart of the same app reuses it, another app resets it.
 */
export function shmStamp(config: ServeConfig): string {
  return createHash('sha256').update(`${config.root}\0${config.workerScript ?? ''}`).digest('hex').slice(0, 32);
}

export function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):?(\d+)$/.exec(value.includes(':') ? value : `:${value}`);
  const host = m?.[1] ?? m?.[2];
  return { host: host === undefined || host === '' ? '127.0.0.1' : host, port: Number(m?.[3] ?? 0) };
}

export function urlOf(address: Pick<AddressInfo, 'address' | 'family' | 'port'>): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
