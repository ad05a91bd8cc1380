<?php

declare(strict_types=1);

namespace Askr\Runtime\Adapter;

use Askr\Runtime\Handler;
use Askr\Runtime\Worker\RequestContext;

/**
 * A plain callable as the app: it is called once per request with the
 * superglobals filled, prints its output (or returns a string, which is printed)
 * and uses header()/http_response_code()/setcookie() as a classic script would.
 */
final class CallableHandler implements Handler
{
    /** @var callable */
    private $callable;

    public function __construct(callable $callable)
    {
        $this->callable = $callable;
    }

    public function handle(RequestContext $ctx): void
    {
        $result = ($this->callable)($ctx);
        if (is_string($result)) {
            echo $result;
        }
    }
}
