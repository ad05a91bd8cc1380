/**
 * Server-to-client frames of Pusher protocol 7. `data` of pusher:* and
 * pusher_internal:* events is a JSON *string* (pusher-websocket-java casts it);
 * `pusher:error` data is an object `{code, message}` with a numeric code.
 */
export const frames = {
  connectionEstablished(socketId: string, activityTimeout: number): string {
    return JSON.stringify({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: socketId, activity_timeout: activityTimeout }) });
  },
  error(code: number | null, message: string): string {
    return JSON.stringify({ event: 'pusher:error', data: { code, message } });
  },
  ping(): string {
    return '{"event":"pusher:ping","data":"{}"}';
  },
  pong(): string {
    return '{"event":"pusher:pong","data":"{}"}';
  },
  subscriptionSucceeded(channel: string, presence?: { ids: string[]; hash: Record<string, unknown>; count: number }): string {
    return JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: JSON.stringify(presence ? { presence } : {}) });
  },
  subscriptionError(channel: string, type: string, error: string, status: number): string {
    return JSON.stringify({ event: 'pusher:subscription_error', channel, data: { type, error, status } });
  },
  memberAdded(channel: string, userId: string, userInfo: unknown): string {
    const member = userInfo === undefined ? { user_id: userId } : { user_id: userId, user_info: userInfo };
    return JSON.stringify({ event: 'pusher_internal:member_added', channel, data: JSON.stringify(member) });
  },
  memberRemoved(channel: string, userId: string): string {
    return JSON.stringify({ event: 'pusher_internal:member_removed', channel, data: JSON.stringify({ user_id: userId }) });
  },
  subscriptionCount(channel: string, count: number): string {
    return JSON.stringify({ event: 'pusher_internal:subscription_count', channel, data: JSON.stringify({ subscription_count: count }) });
  },
  cacheMiss(channel: string): string {
    return JSON.stringify({ event: 'pusher:cache_miss', channel });
  },
  signinSuccess(userData: string): string {
    return JSON.stringify({ event: 'pusher:signin_success', data: { user_data: userData } });
  },
  watchlistEvents(events: { name: 'online' | 'offline'; user_ids: string[] }[]): string {
    return JSON.stringify({ event: 'pusher_internal:watchlist_events', data: { events } });
  },
  /** An app event on a channel; `data` goes out exactly as it came in. */
  event(event: string, channel: string, data: unknown, userId?: string): string {
    return JSON.stringify(userId === undefined ? { event, channel, data } : { event, channel, data, user_id: userId });
  },
};
