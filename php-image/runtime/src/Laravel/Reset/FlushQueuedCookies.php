<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/** Cookies queued with Cookie::queue() go out with their own response only. */
final class FlushQueuedCookies implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if ($sandbox->resolved('cookie')) {
            $sandbox->make('cookie')->flushQueuedCookies();
        }
    }
}
