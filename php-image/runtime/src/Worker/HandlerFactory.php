<?php

declare(strict_types=1);

namespace Askr\Runtime\Worker;

use Askr\Runtime\Adapter\CallableHandler;
use Askr\Runtime\Adapter\Psr15Handler;
use Askr\Runtime\Handler;

/**
 * Turns what a worker script returned into a Handler: an Askr Handler as is
 * (the Laravel adapter is one), a PSR-15 RequestHandlerInterface, or any callable.
 */
final class HandlerFactory
{
    public static function from(mixed $value, string $script): Handler
    {
        if ($value instanceof Handler) {
            return $value;
        }
        if (interface_exists(\Psr\Http\Server\RequestHandlerInterface::class, false)
            && $value instanceof \Psr\Http\Server\RequestHandlerInterface) {
            return new Psr15Handler($value);
        }
        if (is_callable($value)) {
            return new CallableHandler($value);
        }
        throw new \UnexpectedValueException(sprintf(
            'askr: the worker script %s must return a handler (an Askr\\Runtime\\Handler, a PSR-15 RequestHandlerInterface or a callable), got %s',
            $script,
            get_debug_type($value),
        ));
    }
}
