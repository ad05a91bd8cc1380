/** One webhook event, as Pusher puts it in `events` (WH-03). */
export type WebhookEvent =
  | { readonly name: 'channel_occupied' | 'channel_vacated' | 'cache_miss'; readonly channel: string }
  | { readonly name: 'member_added' | 'member_removed'; readonly channel: string; readonly user_id: string }
  | {
      readonly name: 'client_event';
      readonly channel: string;
      readonly event: string;
      /** The event data as a string (objects are JSON-encoded). */
      readonly data: string;
      readonly socket_id: string;
      readonly user_id?: string;
    }
  | { readonly name: 'subscription_count'; readonly channel: string; readonly subscription_count: number };

/** Receives webhook events for an app; the sender batches, signs and retries. */
export interface WebhookSink {
  emit(appId: string, event: WebhookEvent): void;
}
