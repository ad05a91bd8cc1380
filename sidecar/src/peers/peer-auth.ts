import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Protocol name and version, part of every proof and key derivation. */
export const PEER_PROTOCOL = 'askr-peer/1';
/** Request and response headers of the upgrade to `/askr/peer`. */
export const NONCE_HEADER = 'x-askr-peer-nonce';
/** Request and response header: the HMAC proving knowledge of the peer secret. */
export const PROOF_HEADER = 'x-askr-peer-proof';
/** Response header: the listener's node id (covered by its proof), so a dialer knows whom it reached before saying hello. */
export const NODE_HEADER = 'x-askr-peer-node';
/** Bytes of the MAC in front of every frame (HMAC-SHA256). */
export const MAC_BYTES = 32;

const NONCE = /^[0-9a-f]{32}$/;

function hmac(key: string | Buffer, ...parts: string[]): Buffer {
  return createHmac('sha256', key).update(parts.join('\n')).digest();
}

/** A fresh random nonce: 16 bytes as 32 lowercase hex digits. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** Whether a header value can be a nonce (checked before any HMAC work). */
export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE.test(value);
}

/** The dialer's proof that it knows the secret, bound to its nonce. */
export function clientProof(secret: string, clientNonce: string): string {
  return hmac(secret, PEER_PROTOCOL, 'client', clientNonce).toString('hex');
}

/** The listener's proof, bound to both nonces (so it cannot be replayed to another dialer) and to its node id. */
export function serverProof(secret: string, clientNonce: string, serverNonce: string, node: string): string {
  return hmac(secret, PEER_PROTOCOL, 'server', clientNonce, serverNonce, node).toString('hex');
}

/** Compares a received proof with the expected one in constant time. */
export function proofMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(given, 'latin1'));
}

/**
 * Per-connection keys, one per direction, derived from the secret and both
 * nonces: a frame recorded on one link (or in the other direction) never
 * verifies on another.
 */
export function sessionKeys(secret: string, clientNonce: string, serverNonce: string): { toServer: Buffer; toClient: Buffer } {
  return {
    toServer: hmac(secret, PEER_PROTOCOL, 'to-server', clientNonce, serverNonce),
    toClient: hmac(secret, PEER_PROTOCOL, 'to-client', clientNonce, serverNonce),
  };
}

function frameMac(key: Buffer, counter: bigint, payload: Buffer): Buffer {
  const n = Buffer.allocUnsafe(8);
  n.writeBigUInt64BE(counter);
  return createHmac('sha256', key).update(n).update(payload).digest();
}

/**
 * Seals outgoing frames: MAC(32 bytes) ‖ payload, where the MAC is
 * HMAC-SHA256(key, frame counter ‖ payload). The counter is implicit (both ends
 * count), so a dropped, replayed or reordered frame fails at the other end.
 */
export class FrameSealer {
  private counter = 0n;

  constructor(private readonly key: Buffer) {}

  seal(payload: Buffer): Buffer {
    const mac = frameMac(this.key, this.counter++, payload);
    return Buffer.concat([mac, payload], MAC_BYTES + payload.length);
  }
}

/** Opens frames sealed by the other end's FrameSealer; undefined for any frame that does not verify. */
export class FrameOpener {
  private counter = 0n;

  constructor(private readonly key: Buffer) {}

  open(frame: Buffer): Buffer | undefined {
    if (frame.length < MAC_BYTES) return undefined;
    const payload = frame.subarray(MAC_BYTES);
    const expected = frameMac(this.key, this.counter, payload);
    if (!timingSafeEqual(expected, frame.subarray(0, MAC_BYTES))) return undefined;
    this.counter++;
    return payload;
  }
}
