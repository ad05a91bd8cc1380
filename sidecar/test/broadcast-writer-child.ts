// Appends `count` records "<tag>:<i>" to the broadcast ring of a shared-memory file, then exits.
import { BROADCAST_REGION, broadcastRegions, ringCapacity } from '../src/broadcast/broadcast-regions.js';
import { BroadcastRing } from '../src/broadcast/broadcast-ring.js';
import { ShmRegion } from '../src/shm/shm-region.js';

const [path, tag, count, ringSize] = process.argv.slice(2);
const config = { pusher: true, pusherRingSize: Number(ringSize) };
const shm = ShmRegion.open({ path: path ?? '', regions: broadcastRegions(config), stamp: 'ring-test', mode: 'attach' });
const ring = new BroadcastRing(shm.region(BROADCAST_REGION), ringCapacity(config.pusherRingSize));
for (let i = 0; i < Number(count); i++) ring.append(Buffer.from(`${tag}:${i}:${'x'.repeat(i % 300)}`));
