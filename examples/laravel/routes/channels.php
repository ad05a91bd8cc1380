<?php

use Illuminate\Support\Facades\Broadcast;

// Echo.private(`orders.${userId}`): only that user hears about their orders.
Broadcast::channel('orders.{userId}', fn ($user, $userId) => (int) $user->id === (int) $userId);

// Echo.join('chat'): every signed-in user, listed by name in here()/joining().
Broadcast::channel('chat', fn ($user) => ['id' => $user->id, 'name' => $user->name]);
