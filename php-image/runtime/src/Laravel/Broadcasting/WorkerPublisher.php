<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

/**
 * Inside an Askr worker: `askr_broadcast()` appends the event to the pod's
 * broadcast ring through the worker's own connection to its sidecar, with no
 * HTTP round-trip and no signing (the sidecar trusts its workers). The call
 * does not wait for the sidecar, so the request is not slowed by fan-out.
 */
final class WorkerPublisher implements EventPublisher
{
    public function publish(array $channels, string $event, string $data, ?string $socketId): void
    {
        \askr_broadcast($channels, $event, $data, $socketId);
    }
}
