<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

use Askr\Runtime\Process\Libc;
use Askr\Runtime\Process\Sapi;

/**
 * Loads the runtime's request-path classes (and the libc calls and SAPI hooks
 * it reaches through FFI) in the template, before any fork, so that no worker
 * pays for them on its first request.
 */
final class Preload
{
    public static function runtime(): void
    {
        $dir = dirname(__DIR__);
        foreach (['Protocol', 'Http', 'Worker', 'Classic', 'Adapter', 'Process'] as $sub) {
            foreach (glob("$dir/$sub/*.php") ?: [] as $file) {
                $class = 'Askr\\Runtime\\' . $sub . '\\' . basename($file, '.php');
                class_exists($class) || interface_exists($class);
            }
        }
        Libc::prepare();
        Sapi::prepare();
    }
}
