<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Broadcasting;

use Illuminate\Broadcasting\BroadcastManager;
use Illuminate\Support\ServiceProvider;

/**
 * Registers the `askr` broadcast driver (config/broadcasting.php:
 * `'driver' => 'askr'`). The driver is added whenever the broadcast manager is
 * built, so this provider may be listed before or after the app's own
 * BroadcastServiceProvider.
 */
final class AskrBroadcastServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        $this->callAfterResolving(BroadcastManager::class, static function (BroadcastManager $manager): void {
            $manager->extend('askr', static fn (mixed $app, array $config): AskrBroadcaster => AskrBroadcaster::fromConfig($config));
        });
    }
}
