<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

/**
 * An exception escaped the app: log it as PHP logs an uncaught exception and
 * answer 500, as PHP-FPM does for a fatal error before any output was sent.
 */
final class UncaughtError
{
    public static function report(RequestContext $ctx, \Throwable $e, OutputSink $sink): void
    {
        error_log(sprintf(
            "PHP Fatal error:  Uncaught %s: %s in %s:%d (request %s %s, id %s)\nStack trace:\n%s",
            $e::class,
            $e->getMessage(),
            $e->getFile(),
            $e->getLine(),
            $ctx->method(),
            $ctx->uri(),
            $ctx->id,
            $e->getTraceAsString(),
        ));
        if (!$ctx->response->sent) {
            $sink->discard();
            $ctx->response->setStatus(500);
        }
    }
}
