<?php

namespace App\Events;

use Illuminate\Broadcasting\Channel;
use Illuminate\Broadcasting\EncryptedPrivateChannel;
use Illuminate\Broadcasting\InteractsWithSockets;
use Illuminate\Broadcasting\PrivateChannel;
use Illuminate\Contracts\Broadcasting\ShouldBroadcastNow;
use Illuminate\Foundation\Events\Dispatchable;

/**
 * Sent to the order's owner on private-orders.{userId} while the request runs,
 * or end-to-end encrypted on private-encrypted-orders.{userId}.
 */
class OrderCreated implements ShouldBroadcastNow
{
    use Dispatchable;
    use InteractsWithSockets;

    /** @param array{id: int, user_id: int, item: string, quantity: int} $order */
    public function __construct(public array $order, private bool $encrypted = false)
    {
    }

    public function broadcastOn(): Channel
    {
        $name = 'orders.' . $this->order['user_id'];
        return $this->encrypted ? new EncryptedPrivateChannel($name) : new PrivateChannel($name);
    }
}
