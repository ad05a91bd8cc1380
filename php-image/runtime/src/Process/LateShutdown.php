<?php

declare(strict_types=1);

namespace Askr\Runtime\Process;

/**
 * Shutdown work that must come after the app's own shutdown functions,
 * including those the app registers after this call. PHP runs shutdown
 * functions in the order they were registered, and one registered while they
 * run goes to the end of the list: so a function registered now registers the
 * real one once the shutdown phase has begun.
 */
final class LateShutdown
{
    public static function register(\Closure $work): void
    {
        register_shutdown_function(static function () use ($work): void {
            register_shutdown_function($work);
        });
    }
}
