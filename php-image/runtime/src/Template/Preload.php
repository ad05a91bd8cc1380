<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

/**
 * Loads the runtime's request-path classes in the template, before any fork,
 * so that no worker pays for autoloading them on its first request.
 */
final class Preload
{
    public static function runtime(): void
    {
        $dir = dirname(__DIR__);
        foreach (['Protocol', 'Http', 'Worker', 'Classic', 'Adapter'] as $sub) {
            foreach (glob("$dir/$sub/*.php") ?: [] as $file) {
                $class = 'Askr\\Runtime\\' . $sub . '\\' . basename($file, '.php');
                class_exists($class) || interface_exists($class);
            }
        }
    }
}
