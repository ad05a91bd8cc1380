<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/** Bindings registered with $app->scoped() are fresh for every request. */
final class FlushScopedInstances implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if (method_exists($sandbox, 'forgetScopedInstances')) {
            $sandbox->forgetScopedInstances();
        }
    }
}
