<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

/**
 * Where flush() goes: the output sink of this process, once it has one.
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
}
