<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/**
 * Services resolved at boot are shared by every request and keep a reference
 * to the container that built them; point them at this request's sandbox so
 * that what they resolve during the request lives and dies with it.
 */
final class GiveSandboxToServices implements StateReset
{
    private const CONTAINER_AWARE = ['router', 'view', 'validator', 'Illuminate\Contracts\Auth\Access\Gate', 'Illuminate\Contracts\Pipeline\Hub'];
    private const APPLICATION_AWARE = ['auth', 'Illuminate\Broadcasting\BroadcastManager', 'cache', 'db', 'filesystem', 'mail.manager', 'queue'];

    public function prepare(Application $sandbox, Request $request): void
    {
        $sandbox->make(HttpKernel::class)->setApplication($sandbox);
        foreach (self::CONTAINER_AWARE as $abstract) {
            if ($sandbox->resolved($abstract)) {
                $service = $sandbox->make($abstract);
                if (method_exists($service, 'setContainer')) {
                    $service->setContainer($sandbox);
                }
            }
        }
        foreach (self::APPLICATION_AWARE as $abstract) {
            if ($sandbox->resolved($abstract)) {
                $service = $sandbox->make($abstract);
                if (method_exists($service, 'setApplication')) {
                    $service->setApplication($sandbox);
                }
            }
        }
        if ($sandbox->resolved('session')) {
            $sandbox->make('session')->setContainer($sandbox);
        }
    }
}
