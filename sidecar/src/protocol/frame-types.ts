/** Frame types of the worker protocol (docs/protocol.md). */
export const FrameType = {
  // worker → sidecar
  HELLO: 0x01,
  RESP_HEAD: 0x02,
  RESP_BODY: 0x03,
  RESP_END: 0x04,
  RESP_FULL: 0x05,
  READY: 0x06,
  CALL: 0x07,
  DECLINE: 0x08,
  // sidecar → worker
  REQUEST: 0x10,
  REQ_BODY: 0x11,
  REQ_BODY_END: 0x12,
  REPLY: 0x13,
  STOP: 0x14,
  ABORT: 0x15,
  // template control
  SPAWN: 0x20,
  SPAWNED: 0x21,
  EXITED: 0x22,
  KILL: 0x23,
  TEMPLATE_HELLO: 0x24,
} as const;

export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

/** Largest payload either side accepts, in bytes. */
export const MAX_PAYLOAD = 16 * 1024 * 1024;
/** Size of the request-body chunks the sidecar sends, in bytes. */
export const BODY_CHUNK = 64 * 1024;

const known = new Set<number>(Object.values(FrameType));
export function isKnownFrameType(type: number): boolean {
  return known.has(type);
}
