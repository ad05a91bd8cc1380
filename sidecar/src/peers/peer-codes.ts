/**
 * WebSocket close codes of a peer link (private range 4000–4999). The dialer
 * decides from the code what to do next: reconnect with back-off (most),
 * stop dialing that address (SELF), or stand by while another address of the
 * same pod carries the stream (DUPLICATE).
 */
export const PeerCloseCode = {
  /** Clean close: the sidecar is shutting down. */
  GOING_AWAY: 1001,
  /** A frame failed its MAC, or a message was malformed: reconnect. */
  BAD_FRAME: 4400,
  /** A message arrived that the protocol does not allow at this point: reconnect. */
  PROTOCOL: 4401,
  /** The dialer reached its own sidecar: never dial this address again. */
  SELF: 4402,
  /** A newer link from the same peer replaced this one. */
  SUPERSEDED: 4403,
  /** The dialer already streams to this pod through another address: stand by. */
  DUPLICATE: 4404,
  /** No frame within the liveness bound: reconnect. */
  SILENT: 4405,
  /** The send buffer passed its bound: reconnect; the resume catches the peer up. */
  SLOW: 4406,
  /** A gap in a gap-free stream: reconnect and resume from the last applied sequence. */
  RESYNC: 4407,
  /** No hello (or welcome) within the handshake bound. */
  HANDSHAKE_TIMEOUT: 4408,
} as const;

/** One of the close codes above. */
export type PeerCloseCodeValue = (typeof PeerCloseCode)[keyof typeof PeerCloseCode];
