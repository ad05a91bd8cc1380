<?php

declare(strict_types=1);

namespace Askr\Runtime\Process;

/**
 * Two hooks of the CLI SAPI (PHP's sapi_module), set through FFI: where PHP
 * would flush output to the SAPI, and where it hands the SAPI a header. The
 * runtime serves HTTP from the CLI, whose versions of both suit a terminal:
 * it drops every header, and its engine shutdown is made for a process that
 * was not forked from a warm template.
 *
 * The struct heads declared here (the fields up to header_handler, and the
 * server context at the start of the SAPI globals) have kept their layout
 * since PHP 5. They are used only when the SAPI's name reads back through
 * them as PHP_SAPI; otherwise, or without ext/ffi, every hook reports that it
 * is not set and callers keep PHP's own behaviour.
 */
final class Sapi
{
    /** sapi_header_op_enum: the two operations that carry a header line. */
    private const HEADER_REPLACE = 0;
    private const HEADER_ADD = 1;

    private static ?\FFI $ffi = null;
    private static bool $tried = false;
    /** The PHP side of the header hook, kept alive as long as the hook points at it. */
    private static ?\Closure $headerHandler = null;

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
     * before extensions' request shutdown). Falls back to plain exit(0).
     */
    public static function exitAfterRequestShutdown(): never
    {
        self::endAfterRequestShutdown();
        exit(0);
    }

    /**
     * Makes a process that is already ending (PHP runs its shutdown functions)
     * end as exitAfterRequestShutdown() does: the rest of the request shutdown
     * runs, then _exit(0). For exits the runtime does not make itself: the
     * app's exit() or die(). Where the hook cannot be set the process ends
     * through PHP's engine shutdown.
     */
    public static function endAfterRequestShutdown(): void
    {
        $ffi = self::ffi();
        if ($ffi === null || $ffi->sapi_globals->server_context !== null || $ffi->sapi_module->flush === null) {
            return;
        }
        ob_implicit_flush(false);
        $ffi->sapi_module->flush = $ffi->cast('void (*)(void *)', $ffi->cast('void (*)(int)', $ffi->_exit));
    }

    /**
     * Hands $sink every header line PHP's own code gives the SAPI (through
     * sapi_header_op: ext/session's cookie and cache headers, any extension's
     * sapi_add_header), with whether it replaces earlier ones of its name, as
     * the FPM SAPI would have put it in the response. The CLI's handler would
     * drop it. Header removals and status changes do not come this way in
     * the runtime: header_remove() and http_response_code() are its own.
     *
     * @param \Closure(string, bool): void $sink
     */
    public static function forwardHeaders(\Closure $sink): bool
    {
        $ffi = self::ffi();
        if ($ffi === null) {
            return false;
        }
        $original = $ffi->sapi_module->header_handler;
        self::$headerHandler = static function ($header, int $op, $headers) use ($sink): int {
            if ($op === self::HEADER_REPLACE || $op === self::HEADER_ADD) {
                try {
                    $sink(\FFI::string($header->header, $header->header_len), $op === self::HEADER_REPLACE);
                } catch (\Throwable) {
                    // An exception may not cross back into C (PHP makes it a fatal error): the
                    // header is lost, as the CLI would have lost it.
                }
            }
            // Not SAPI_HEADER_ADD: the SAPI keeps no copy of its own.
            return 0;
        };
        $ffi->sapi_module->header_handler = self::$headerHandler;
        // PHP code may not run once the request shuts down past its shutdown functions (ext/ffi
        // frees its callbacks in its request shutdown, and the output layer's shutdown still
        // sends the SAPI a Content-Type), so the CLI's own handler is back before then: after
        // the shutdown functions, whose headers still reach a response the runtime completes.
        LateShutdown::register(static function () use ($ffi, $original): void {
            $ffi->sapi_module->header_handler = $original;
            self::$headerHandler = null;
        });
        return true;
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
            if (extension_loaded('ffi') && PHP_SAPI === 'cli') {
                try {
                    $ffi = \FFI::cdef(
                        'typedef struct { char *header; size_t header_len; } askr_sapi_header;'
                        . 'typedef struct { const char *name; const char *pretty_name; void *startup; void *shutdown;'
                        . ' void *activate; void *deactivate; void *ub_write; void (*flush)(void *server_context);'
                        . ' void *get_stat; void *getenv; void *sapi_error;'
                        . ' int (*header_handler)(askr_sapi_header *header, int op, void *headers); } askr_sapi_module_head;'
                        . 'typedef struct { void *server_context; } askr_sapi_globals_head;'
                        . 'extern askr_sapi_module_head sapi_module;'
                        . 'extern askr_sapi_globals_head sapi_globals;'
                        . 'void _exit(int status);',
                    );
                    // FFI reads a const char * field as a PHP string.
                    self::$ffi = $ffi->sapi_module->name === PHP_SAPI ? $ffi : null;
                } catch (\Throwable) {
                    self::$ffi = null;
                }
            }
        }
        return self::$ffi;
    }
}
