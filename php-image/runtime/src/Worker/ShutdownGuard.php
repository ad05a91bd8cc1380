<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Process\LateShutdown;
use Askr\Runtime\Runtime;

/**
 * Completes the request in flight when PHP shuts the process down in the middle
 * of it: exit()/die() in the app, or a fatal error. It runs after the app's
 * own shutdown functions (LateShutdown; their output, as under PHP-FPM, still
 * reaches the client), then sends the response and runs the deferred work.
 */
final class ShutdownGuard
{
    private static bool $installed = false;

    public static function install(OutputSink $sink, DeferredRunner $deferred): void
    {
        if (self::$installed) {
            return;
        }
        self::$installed = true;
        LateShutdown::register(static function () use ($sink, $deferred): void {
            $ctx = Runtime::context();
            if ($ctx === null || $sink->isDone()) {
                return;
            }
            $sink->completeAtShutdown();
            $deferred->run($ctx);
            $sink->discard();
            $ctx->cleanUp();
        });
    }
}
