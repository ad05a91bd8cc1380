<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/**
 * One kind of state a worker must reset so that request N+1 never sees request
 * N's: each implementation handles one (authentication, session, cookies …)
 * and has a leak test of its own.
 */
interface StateReset
{
    /** Runs before the request, on the sandbox the request will use. */
    public function prepare(Application $sandbox, Request $request): void;
}
