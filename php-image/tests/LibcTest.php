<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Process\Libc;
use PHPUnit\Framework\TestCase;

/**
 * The libc calls the runtime makes through FFI, in forked children so that
 * what they do to a process is seen from outside it.
 */
final class LibcTest extends TestCase
{
    private string $marker = '';

    protected function setUp(): void
    {
        if (!Libc::available()) {
            self::markTestSkipped('ext/ffi is not loaded: the runtime falls back to plain exit()');
        }
        $this->marker = sys_get_temp_dir() . '/askr-libc-' . getmypid() . '-' . bin2hex(random_bytes(4));
    }

    protected function tearDown(): void
    {
        if (is_dir($this->marker)) {
            array_map('unlink', glob($this->marker . '/*') ?: []);
            rmdir($this->marker);
        } else {
            @unlink($this->marker);
        }
    }

    /** Forks, runs $child in the child, and returns the child's wait status. */
    private function inChild(callable $child): int
    {
        $pid = pcntl_fork();
        self::assertNotSame(-1, $pid, 'fork failed');
        if ($pid === 0) {
            $child();
            // Only reached when the call under test returned.
            Libc::exitNow(99);
            exit(99);
        }
        pcntl_waitpid($pid, $status);
        return $status;
    }

    public function testExitNowEndsTheProcessWithItsStatusAndSkipsPhpShutdown(): void
    {
        $marker = $this->marker;
        $status = $this->inChild(static function () use ($marker): void {
            register_shutdown_function(static function () use ($marker): void {
                file_put_contents($marker, 'shutdown function ran');
            });
            $guard = new class ($marker) {
                public function __construct(private readonly string $marker)
                {
                }

                public function __destruct()
                {
                    file_put_contents($this->marker, 'destructor ran');
                }
            };
            Libc::exitNow(3);
            // Keeps $guard alive up to the exit, so that only PHP's shutdown could destroy it.
            unset($guard);
        });
        self::assertTrue(pcntl_wifexited($status), 'the child exited rather than being killed');
        self::assertSame(3, pcntl_wexitstatus($status));
        self::assertFileDoesNotExist($this->marker, 'neither shutdown functions nor destructors ran');
    }

    public function testAPlainExitRunsTheShutdownThatExitNowSkips(): void
    {
        // The control: the same child with exit() runs its shutdown function.
        $marker = $this->marker;
        $status = $this->inChild(static function () use ($marker): void {
            register_shutdown_function(static function () use ($marker): void {
                file_put_contents($marker, 'shutdown function ran');
            });
            exit(4);
        });
        self::assertSame(4, pcntl_wexitstatus($status));
        self::assertStringEqualsFile($this->marker, 'shutdown function ran');
    }

    public function testExitAfterRequestShutdownRunsTheRequestShutdownAndNotTheEngineShutdown(): void
    {
        $ended = $this->endOfProcess('request-shutdown');
        self::assertFalse($ended['signaled'], 'the process ended before libc\'s atexit handlers could abort it');
        self::assertSame(0, $ended['exitcode']);
        self::assertSame("buffered until shutdown\n", $ended['stdout']);
        self::assertStringEqualsFile($this->marker . '/trace', "shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->marker . '/sess_endofprocess'));
    }

    public function testAPlainExitGoesOnPastTheEngineShutdown(): void
    {
        // The control: after the same request shutdown, exit() reaches libc's atexit handlers.
        $ended = $this->endOfProcess('exit');
        self::assertTrue($ended['signaled'], 'the process was ended by a signal');
        self::assertSame(SIGABRT, $ended['termsig']);
        self::assertStringEqualsFile($this->marker . '/trace', "shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->marker . '/sess_endofprocess'));
    }

    /**
     * Runs fixtures/end-of-process.php in a PHP process of its own (sessions
     * need a process that has sent no output) with its traces in $this->marker.
     *
     * @return array{signaled: bool, termsig: int, exitcode: int, stdout: string}
     */
    private function endOfProcess(string $how): array
    {
        mkdir($this->marker);
        $proc = proc_open(
            [PHP_BINARY, __DIR__ . '/fixtures/end-of-process.php', $how, $this->marker],
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        self::assertIsResource($proc);
        $stdout = (string) stream_get_contents($pipes[1]);
        $stderr = (string) stream_get_contents($pipes[2]);
        // Both pipes are at EOF: the process has ended or is about to. Its status, within 10 s.
        $status = proc_get_status($proc);
        for ($waited = 0; $status['running'] && $waited < 10_000; $waited++) {
            usleep(1000);
            $status = proc_get_status($proc);
        }
        proc_close($proc);
        self::assertFalse($status['running'], 'the process ended');
        self::assertSame('', $stderr);
        return ['signaled' => $status['signaled'], 'termsig' => $status['termsig'], 'exitcode' => $status['exitcode'], 'stdout' => $stdout];
    }
}
