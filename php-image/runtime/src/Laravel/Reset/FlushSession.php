<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/** Every request starts a new session store, loaded from its own cookie. */
final class FlushSession implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if ($sandbox->resolved('session')) {
            $sandbox->make('session')->forgetDrivers();
        }
        $sandbox->forgetInstance('session.store');
    }
}
