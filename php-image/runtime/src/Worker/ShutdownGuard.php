<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Process\LateShutdown;
use Askr\Runtime\Process\Sapi;
use Askr\Runtime\Runtime;

/**
 * Completes the request in flight when PHP shuts the process down in the middle
 * of it: exit()/die() in the app, or a fatal error. It runs after the app's
 * own shutdown functions (LateShutdown; their output, as under PHP-FPM, still
 * reaches the client), then sends the response and runs the deferred work.
 */
final class ShutdownGuard
{
    /** Error types that end a script: PHP then exits with status 255. */
    private const FATAL = E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR;

    private static bool $installed = false;
    private static bool $fatal = false;

    public static function install(OutputSink $sink, DeferredRunner $deferred): void
    {
        if (self::$installed) {
            return;
        }
        self::$installed = true;
        self::endAfterRequestShutdown(static function () use ($sink, $deferred): void {
            $ctx = Runtime::context();
            if ($ctx !== null && !$sink->isDone()) {
                $sink->completeAtShutdown();
                $deferred->run($ctx);
                $sink->discard();
                $ctx->cleanUp();
            }
        });
    }

    /**
     * Once the process is ending, runs $complete after the app's shutdown
     * functions, then lets the rest of PHP's request shutdown run (sessions,
     * connections, destructors) and not its engine shutdown, as for the
     * runtime's own exits (Sapi). A classic script's exit() ends its process,
     * so this is on the path of every redirect that ends with exit. The status
     * of exit($n) is not kept (the process ends with 0; PHP-FPM does not report
     * it either). After a fatal error PHP's engine shutdown runs, to end with
     * its status 255, which the sidecar logs. Public for the tests of it alone.
     */
    public static function endAfterRequestShutdown(\Closure $complete): void
    {
        register_shutdown_function(static function (): void {
            // What ended the script, read before the app's shutdown functions run: one of them
            // could raise an error of its own, or clear the last one.
            $last = error_get_last();
            self::$fatal = $last !== null && ($last['type'] & self::FATAL) !== 0;
        });
        LateShutdown::register(static function () use ($complete): void {
            $complete();
            if (!self::$fatal) {
                Sapi::endAfterRequestShutdown();
            }
        });
    }
}
