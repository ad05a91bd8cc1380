<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/** The guards (and the user they resolved) of the previous request are forgotten. */
final class FlushAuthentication implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if ($sandbox->resolved('auth')) {
            $sandbox->make('auth')->forgetGuards();
        }
        $sandbox->forgetInstance('auth.driver');
    }
}
