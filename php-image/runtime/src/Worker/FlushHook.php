<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

/**
 * Where flush() and fastcgi_finish_request() go: the output sink of this
 * process, once it has one.
 */
final class FlushHook
{
    private static ?OutputSink $sink = null;

    public static function bind(OutputSink $sink): void
    {
        self::$sink = $sink;
    }

    public static function flush(): void
    {
        self::$sink?->flush();
    }

    /** OutputSink::reinstallIfDropped, for a shutdown function registered before the sink exists. */
    public static function reinstallBuffer(): void
    {
        self::$sink?->reinstallIfDropped();
    }

    /** Ends the response in flight; false when there is none. */
    public static function finishRequest(): bool
    {
        $sink = self::$sink;
        if ($sink === null || $sink->isDone()) {
            return false;
        }
        $sink->complete();
        return true;
    }
}
