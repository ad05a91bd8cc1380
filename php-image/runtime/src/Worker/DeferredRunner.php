<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

/**
 * Runs the askr_defer() callables of one request after its response has been
 * sent. Each callable's exception is caught and logged with the request id;
 * work registered by deferred work runs too. The sidecar enforces the time
 * budget (--defer-timeout) from outside by replacing a worker that overruns it.
 */
final class DeferredRunner
{
    public int $ran = 0;
    public int $failed = 0;
    public float $ms = 0.0;

    public function run(RequestContext $ctx): void
    {
        $this->ran = $this->failed = 0;
        $started = hrtime(true);
        while ($ctx->deferred !== []) {
            $callable = array_shift($ctx->deferred);
            $this->ran++;
            try {
                $callable();
            } catch (\Throwable $e) {
                $this->failed++;
                error_log(sprintf(
                    'askr: deferred callable failed for request %s: %s: %s in %s:%d',
                    $ctx->id,
                    $e::class,
                    $e->getMessage(),
                    $e->getFile(),
                    $e->getLine(),
                ));
            }
        }
        $this->ms = (hrtime(true) - $started) / 1e6;
    }
}
