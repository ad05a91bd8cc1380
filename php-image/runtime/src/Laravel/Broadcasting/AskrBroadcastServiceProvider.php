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
        // Laravel binds the manager under its class name only. As `broadcast`, like
        // `auth`, `cache` and `queue`, worker mode hands it each request's
        // application: the manager built at boot would otherwise read the boot-time
        // container, where no request is bound, and toOthers() would lose the
        // X-Socket-ID of the request it runs in.
        $this->app->alias(BroadcastManager::class, 'broadcast');

        $this->callAfterResolving(BroadcastManager::class, static function (BroadcastManager $manager): void {
            $manager->extend('askr', static fn (mixed $app, array $config): AskrBroadcaster => AskrBroadcaster::fromConfig($config));
        });
    }
}
