<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

/**
 * Compiles a classic app's scripts into opcache in the template, so that every
 * forked child starts with them compiled (opcache's shared memory is shared
 * across fork()).
 */
final class Warmup
{
    private const MAX_FILES = 2000;

    public static function classic(string $root): int
    {
        if (!function_exists('opcache_compile_file') || !(bool) ini_get('opcache.enable_cli')) {
            return 0;
        }
        $count = 0;
        $it = new \RecursiveIteratorIterator(
            new \RecursiveCallbackFilterIterator(
                new \RecursiveDirectoryIterator($root, \FilesystemIterator::SKIP_DOTS),
                static fn (\SplFileInfo $f): bool => !str_starts_with($f->getFilename(), '.'),
            ),
        );
        $it->setMaxDepth(8);
        foreach ($it as $file) {
            if ($count >= self::MAX_FILES) {
                break;
            }
            if ($file instanceof \SplFileInfo && $file->isFile() && $file->getExtension() === 'php') {
                if (@opcache_compile_file($file->getPathname())) {
                    $count++;
                }
            }
        }
        return $count;
    }
}
