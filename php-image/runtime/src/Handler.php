<?php

declare(strict_types=1);

namespace Askr\Runtime;

use Askr\Runtime\Worker\RequestContext;

/**
 * What a worker script returns (directly or through an adapter): something that
 * handles one request. It prints the body (echo, or streaming with flush()) and
 * sets the status and headers with header()/http_response_code()/setcookie()
 * or on $ctx->response. The superglobals are already filled when it runs.
 */
interface Handler
{
    public function handle(RequestContext $ctx): void;
}
