/**
 * Server-Sent Events framing. The `id` is `<ring id>-<seq>`, so a client's
 * `Last-Event-ID` says which ring (it changes when shared memory is reset) and
 * where in it to resume. `data` is the Pusher frame `{"event","channel","data"}`
 * on one line (JSON escapes newlines).
 */
export function sseEvent(id: string, event: string, data: string): string {
  // A line break in the event name would end the field early.
  return `id: ${id}\nevent: ${event.replace(/[\r\n]/g, ' ')}\ndata: ${data}\n\n`;
}

/** A comment line: ignored by clients, keeps proxies from closing an idle stream. */
export function sseComment(text: string): string {
  return `: ${text.replace(/[\r\n]/g, ' ')}\n\n`;
}

/** Builds an event id. */
export function sseId(ringId: string, seq: number): string {
  return `${ringId}-${seq}`;
}

/** Parses `Last-Event-ID`: the sequence to resume after, when it belongs to this ring. */
export function parseLastEventId(value: string | undefined, ringId: string): number | 'other-ring' | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^([0-9a-f]+)-(\d+)$/.exec(value.trim());
  if (!m) return undefined;
  if (m[1] !== ringId) return 'other-ring';
  const seq = Number(m[2]);
  return Number.isSafeInteger(seq) ? seq : undefined;
}
