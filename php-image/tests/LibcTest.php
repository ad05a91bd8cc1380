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
        @unlink($this->marker);
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
}
