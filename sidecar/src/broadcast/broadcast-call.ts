import { AskrError } from '../errors.js';
import type { WorkerCallRegistry } from '../pool/worker-calls.js';
import type { BroadcastHub } from './broadcast-hub.js';

/** What `askr_broadcast()` may target. */
export interface BroadcastCallApp {
  readonly id: string;
  readonly maxPayload: number;
}

const NAME = /^#?[-a-zA-Z0-9_=@,.;]{1,164}$/;
const SOCKET_ID = /^\d+\.\d+$/;

/**
 * Registers the `broadcast` worker call: PHP's `askr_broadcast($channels,
 * $event, $data)` appends one event record to the ring with no HTTP round-trip.
 * Args: `{channels: string[], event: string, data: string, socketId?: string,
 * app?: string}` (app id; default the first app). Returns the ring sequence.
 */
export function registerBroadcastCall(calls: WorkerCallRegistry, hub: BroadcastHub, apps: readonly BroadcastCallApp[]): void {
  calls.register('broadcast', (args) => {
    const appId = args.app === undefined ? apps[0]?.id : args.app;
    const app = apps.find((a) => a.id === appId);
    const bad = (message: string): never => {
      throw new AskrError('ASKR_ERR_BAD_REQUEST', `askr_broadcast(): ${message}`);
    };
    if (!app) return bad(`unknown app ${JSON.stringify(appId)}`);
    const { channels, event, data, socketId } = args;
    if (!Array.isArray(channels) || channels.length === 0 || channels.length > 100) return bad('expects 1 to 100 channels');
    for (const c of channels) if (typeof c !== 'string' || !NAME.test(c)) return bad(`invalid channel name ${JSON.stringify(c)}`);
    if (typeof event !== 'string' || event === '' || event.length > 200) return bad('expects an event name of 1 to 200 characters');
    if (typeof data !== 'string') return bad('data must arrive JSON-encoded');
    if (Buffer.byteLength(data) > app.maxPayload) return bad(`data is larger than ${app.maxPayload} bytes (--pusher-max-payload)`);
    if (socketId !== undefined && socketId !== null && (typeof socketId !== 'string' || !SOCKET_ID.test(socketId))) return bad('socket id must look like 123.456');
    return hub.publish({
      t: 'event', app: app.id, channels: channels as string[], event, data,
      ...(typeof socketId === 'string' ? { except: socketId } : {}),
    });
  });
}
