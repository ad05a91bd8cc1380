<?php

declare(strict_types=1);

namespace Askr\Runtime\Process;

/**
 * The few libc calls PHP has no function for (dup2, close, prctl, _exit),
 * and one hook in PHP's own SAPI (see exitAfterRequestShutdown), reached
 * through FFI (ext/ffi ships in Debian's php8.2-common; the CLI may use
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
    private static ?\FFI $sapi = null;
    private static bool $sapiTried = false;

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
     * Ends the process with status 0 after PHP's request shutdown and before
     * its engine shutdown. Everything an app can observe still runs, in PHP's
     * order: shutdown functions, destructors, the flush of output buffers and
     * every extension's request shutdown (sessions are written, connections
     * closed). What is skipped is the module shutdown that follows: in a
     * forked child it only frees the template's function and class tables,
     * and the kernel copies each page it writes to first (fork, a little work
     * and exit() took 4.5 ms here; with this, 1.2 ms). Also skipped are what
     * extensions do at module shutdown (persistent connections are dropped
     * without a goodbye) and libc's atexit handlers.
     *
     * How: the CLI calls sapi_flush() once the request is shut down, as the
     * first step of its module shutdown, and sapi_flush() calls the SAPI's
     * flush hook with the request's server context, NULL in the CLI. Pointing
     * the hook at _exit() makes that call _exit(0). Nothing else may flush
     * through the SAPI before that point, so implicit flushing is turned off
     * (with it, the final flush of output buffers would end the process
     * before extensions' request shutdown). Falls back to plain exit(0) when
     * FFI or the SAPI does not look as expected.
     */
    public static function exitAfterRequestShutdown(): never
    {
        $sapi = self::sapi();
        if ($sapi !== null && $sapi->sapi_globals->server_context === null && $sapi->sapi_module->flush !== null) {
            ob_implicit_flush(false);
            $sapi->sapi_module->flush = $sapi->cast('void (*)(void *)', $sapi->cast('void (*)(int)', $sapi->_exit));
        }
        exit(0);
    }

    /**
     * Parses the declarations now (in the template, before it forks), so that
     * no child pays for it.
     */
    public static function prepare(): void
    {
        self::ffi();
        self::sapi();
    }

    /**
     * The heads of the SAPI's module and globals structs, as far as the flush
     * hook and the server context (the same in every PHP since 5). Only the
     * CLI, and only when its name reads back through the struct, which shows
     * the layout is the one declared here.
     */
    private static function sapi(): ?\FFI
    {
        if (!self::$sapiTried) {
            self::$sapiTried = true;
            if (extension_loaded('ffi') && PHP_SAPI === 'cli') {
                try {
                    $sapi = \FFI::cdef(
                        'typedef struct { const char *name; const char *pretty_name; void *startup; void *shutdown;'
                        . ' void *activate; void *deactivate; void *ub_write; void (*flush)(void *server_context); } askr_sapi_module_head;'
                        . 'typedef struct { void *server_context; } askr_sapi_globals_head;'
                        . 'extern askr_sapi_module_head sapi_module;'
                        . 'extern askr_sapi_globals_head sapi_globals;'
                        . 'void _exit(int status);',
                    );
                    // FFI reads a const char * field as a PHP string.
                    self::$sapi = $sapi->sapi_module->name === PHP_SAPI ? $sapi : null;
                } catch (\Throwable) {
                    self::$sapi = null;
                }
            }
        }
        return self::$sapi;
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
