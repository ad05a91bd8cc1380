import { createHmac, timingSafeEqual } from 'node:crypto';

/** Hex HMAC-SHA256 of `message` with `secret`. */
export function hmacHex(secret: string, message: string | Buffer): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/** Compares two strings in time independent of where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // timingSafeEqual needs equal lengths; compare against itself to spend the same time.
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** The string a channel subscription signs: `socket_id:channel[:channel_data]`. */
export function channelAuthString(socketId: string, channel: string, channelData?: string): string {
  return channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`;
}

/** The string a sign-in signs: `socket_id::user::user_data`. */
export function signinAuthString(socketId: string, userData: string): string {
  return `${socketId}::user::${userData}`;
}

/** `key:hex(HMAC-SHA256(secret, string))`, as an auth endpoint returns it. */
export function signAuth(key: string, secret: string, toSign: string): string {
  return `${key}:${hmacHex(secret, toSign)}`;
}

/**
 * Checks an `auth` value against the expected signature: the key part must be
 * the app key and the signature must match, compared in constant time.
 */
export function verifyAuth(auth: unknown, key: string, secret: string, toSign: string): boolean {
  if (typeof auth !== 'string') return false;
  return safeEqual(auth, signAuth(key, secret, toSign));
}
