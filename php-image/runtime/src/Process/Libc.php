<?php

declare(strict_types=1);

namespace Askr\Runtime\Process;

/**
 * The few libc calls PHP has no function for (dup2, close, prctl, _exit),
 * reached through FFI (ext/ffi ships in Debian's php8.2-common; the CLI may use
 * it with the default ffi.enable=preload). Without FFI every method reports
 * failure and callers fall back to what plain PHP can do.
 */
final class Libc
{
    /** O_WRONLY|O_CREAT|O_TRUNC, mode 0600: creat(2). */
    private const CREAT_MODE = 0600;
    private const PR_SET_PDEATHSIG = 1;

    private static ?\FFI $ffi = null;
    private static bool $tried = false;

    /** True when the calls below can be made. */
    public static function available(): bool
    {
        return self::ffi() !== null;
    }

    /**
     * Points fd 1 and fd 2 at a new file (created 0600, truncated), sharing one
     * file offset so that stdout and stderr stay in the order they were written.
     * The STDOUT/STDERR constants, echo and any process started later all write
     * there.
     */
    public static function redirectOutput(string $path): bool
    {
        $ffi = self::ffi();
        if ($ffi === null) {
            return false;
        }
        /** @var int $fd */
        $fd = $ffi->creat($path, self::CREAT_MODE);
        if ($fd < 0) {
            return false;
        }
        $ok = $ffi->dup2($fd, 1) === 1 && $ffi->dup2($fd, 2) === 2;
        $ffi->close($fd);
        return $ok;
    }

    /** Closes a raw descriptor PHP holds no stream for. */
    public static function close(int $fd): bool
    {
        $ffi = self::ffi();
        return $ffi !== null && $ffi->close($fd) === 0;
    }

    /** Asks Linux to send $signal to this process when its parent dies. */
    public static function dieWithParent(int $signal): bool
    {
        $ffi = self::ffi();
        return $ffi !== null && PHP_OS_FAMILY === 'Linux' && $ffi->prctl(self::PR_SET_PDEATHSIG, $signal, 0, 0, 0) === 0;
    }

    /**
     * Ends the process at once with $status, as _exit(2) does: no shutdown
     * functions, destructors or output flushing, and none of PHP's engine
     * shutdown. Only for a process that holds nothing anyone could miss. In a
     * forked child the engine shutdown is what costs: freeing the template's
     * class and function tables writes to pages shared with the template, and
     * the kernel copies each one first (fork, a little work and exit() took
     * 4.6 ms here where fork, the same work and _exit() took 0.7 ms). Returns
     * only when FFI is not available.
     */
    public static function exitNow(int $status): void
    {
        self::ffi()?->_exit($status);
    }

    /**
     * Parses the declarations now (in the template, before it forks), so that
     * no child pays for it.
     */
    public static function prepare(): void
    {
        self::ffi();
    }

    private static function ffi(): ?\FFI
    {
        if (!self::$tried) {
            self::$tried = true;
            if (extension_loaded('ffi')) {
                try {
                    // No library name: the symbols come from the libc PHP itself is linked with.
                    self::$ffi = \FFI::cdef(
                        'int creat(const char *pathname, unsigned int mode);'
                        . 'int dup2(int oldfd, int newfd);'
                        . 'int close(int fd);'
                        . 'int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);'
                        . 'void _exit(int status);',
                    );
                } catch (\Throwable) {
                    self::$ffi = null;
                }
            }
        }
        return self::$ffi;
    }
}
