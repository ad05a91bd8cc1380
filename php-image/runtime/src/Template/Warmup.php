<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

/**
 * Compiles a classic app's scripts into opcache before the first request, so
 * every forked child starts with them compiled (opcache's shared memory is
 * shared across fork()). The compiling happens in a throwaway child: PHP's
 * opcache_compile_file() declares a file's top-level functions in the calling
 * process, which the template must never inherit into classic requests.
 */
final class Warmup
{
    private const MAX_FILES = 2000;

    public static function classic(string $root): void
    {
        if (!function_exists('opcache_compile_file') || !(bool) ini_get('opcache.enable_cli')) {
            return;
        }
        $pid = pcntl_fork();
        if ($pid === 0) {
            self::compileAll($root);
            // Skip shutdown functions and destructors inherited from the template.
            posix_kill(getmypid(), SIGKILL);
        }
        if ($pid > 0) {
            pcntl_waitpid($pid, $status);
        }
    }

    private static function compileAll(string $root): int
    {
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
