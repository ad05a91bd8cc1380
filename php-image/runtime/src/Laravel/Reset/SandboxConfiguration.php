<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/**
 * config([...]) during a request changes only that request's copy: the
 * repository is cloned per request (its items array is copy-on-write).
 */
final class SandboxConfiguration implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if ($sandbox->resolved('config')) {
            $sandbox->instance('config', clone $sandbox->make('config'));
        }
    }
}
