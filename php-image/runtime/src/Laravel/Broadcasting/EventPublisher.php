<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

use Illuminate\Broadcasting\BroadcastException;

/** Where the askr broadcaster hands a ready event: the pod's broadcast ring or its HTTP API. */
interface EventPublisher
{
    /**
     * @param list<string> $channels 1 to 100 valid channel names
     * @param string $data the event data, already JSON-encoded (and encrypted where needed)
     * @param string|null $socketId a Pusher socket id ("123.456") that must not receive the event
     * @throws BroadcastException when the event cannot be handed over
     */
    public function publish(array $channels, string $event, string $data, ?string $socketId): void;
}
