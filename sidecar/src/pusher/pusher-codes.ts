/**
 * Pusher Channels error and close codes (protocol 7). pusher-js decides what to
 * do from the close code: 4000–4099 never reconnect, 4100–4199 back off,
 * 4200–4299 reconnect at once, 4300+ never reconnect — so errors that must not
 * end the connection (rate limits, bad client events) are sent without a close.
 */
export const PusherCode = {
  /** The app requires TLS. */
  SSL_ONLY: 4000,
  /** No app with this key. */
  APP_NOT_FOUND: 4001,
  /** The app is disabled. */
  APP_DISABLED: 4003,
  /** The app's connection limit is reached. */
  OVER_CONNECTION_QUOTA: 4004,
  /** The path is not `/app/{key}`. */
  PATH_NOT_FOUND: 4005,
  /** `protocol` is not a number. */
  INVALID_VERSION: 4006,
  /** `protocol` is outside 5–7. */
  UNSUPPORTED_PROTOCOL: 4007,
  /** No `protocol` query parameter. */
  NO_PROTOCOL: 4008,
  /** Sign-in failed, sign-in timeout, user terminated, or not allowed. */
  UNAUTHORIZED: 4009,
  /** The server is over capacity: back off. */
  OVER_CAPACITY: 4100,
  /** Generic "reconnect now": the server is shutting down or draining. */
  RECONNECT: 4200,
  /** No pong within the pong timeout. */
  PONG_NOT_RECEIVED: 4201,
  /** Closed after inactivity. */
  CLOSED_AFTER_INACTIVITY: 4202,
  /** A client event was refused: rate limit, size, channel type or app setting. */
  CLIENT_EVENT_REJECTED: 4301,
  /** Too many users in a watchlist. */
  WATCHLIST_LIMIT: 4302,
} as const;

export type PusherCodeValue = (typeof PusherCode)[keyof typeof PusherCode];

/**
 * Why a subscription failed, as `pusher:subscription_error` data carries it:
 * `{type, error, status}` (pusher-js hands it to the channel, so Echo's
 * `.error()` callback fires). `status` follows HTTP meanings.
 */
export const SubscriptionErrorType = {
  AuthError: 'AuthError',
  LimitReached: 'LimitReached',
  InvalidChannel: 'InvalidChannel',
  InvalidData: 'InvalidData',
} as const;

export type SubscriptionErrorTypeValue = (typeof SubscriptionErrorType)[keyof typeof SubscriptionErrorType];
