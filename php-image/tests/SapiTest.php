<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Process\Sapi;
use PHPUnit\Framework\TestCase;

/**
 * The CLI SAPI's hooks the runtime sets (Process\Sapi), each seen from outside
 * a PHP process of its own: sessions need a process that has sent no output,
 * and what is under test is how the process ends.
 */
final class SapiTest extends TestCase
{
    private string $dir = '';

    protected function setUp(): void
    {
        if (!extension_loaded('ffi')) {
            self::markTestSkipped('ext/ffi is not loaded: the runtime keeps the CLI\'s own behaviour');
        }
        $this->dir = sys_get_temp_dir() . '/askr-sapi-' . getmypid() . '-' . bin2hex(random_bytes(4));
        mkdir($this->dir);
    }

    protected function tearDown(): void
    {
        array_map('unlink', glob($this->dir . '/*') ?: []);
        rmdir($this->dir);
    }

    public function testExitAfterRequestShutdownRunsTheRequestShutdownAndNotTheEngineShutdown(): void
    {
        $ended = $this->runFixture('end-of-process.php', 'request-shutdown', $this->dir);
        self::assertFalse($ended['signaled'], 'the process ended before libc\'s atexit handlers could abort it');
        self::assertSame(0, $ended['exitcode']);
        self::assertSame("buffered until shutdown\n", $ended['stdout']);
        self::assertStringEqualsFile($this->dir . '/trace', "shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->dir . '/sess_endofprocess'));
    }

    public function testAPlainExitGoesOnPastTheEngineShutdown(): void
    {
        // The control: after the same request shutdown, exit() reaches libc's atexit handlers.
        $ended = $this->runFixture('end-of-process.php', 'exit', $this->dir);
        self::assertTrue($ended['signaled'], 'the process was ended by a signal');
        self::assertSame(SIGABRT, $ended['termsig']);
        self::assertStringEqualsFile($this->dir . '/trace', "shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->dir . '/sess_endofprocess'));
    }

    public function testAnAppsExitEndsAfterTheRequestShutdownWithStatusZero(): void
    {
        $ended = $this->runFixture('end-of-process.php', 'app-exit', $this->dir);
        self::assertFalse($ended['signaled'], 'the process ended before libc\'s atexit handlers could abort it');
        self::assertSame(0, $ended['exitcode'], 'the status of exit(3) is not kept');
        self::assertSame("buffered until shutdown\n", $ended['stdout']);
        self::assertStringEqualsFile($this->dir . '/trace', "shutdown function ran\nlate shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->dir . '/sess_endofprocess'));
    }

    /**
     * @testWith ["app-fatal"]
     *           ["app-fatal-then-warning"]
     */
    public function testAFatalErrorGoesOnPastTheEngineShutdown(string $how): void
    {
        // PHP's status after a fatal error (255) is only kept by its own engine shutdown, even
        // when a shutdown function of the app raises an error of its own afterwards.
        $ended = $this->runFixture('end-of-process.php', $how, $this->dir);
        self::assertTrue($ended['signaled'], 'the process was ended by a signal');
        self::assertSame(SIGABRT, $ended['termsig']);
        self::assertStringEqualsFile($this->dir . '/trace', "shutdown function ran\nlate shutdown function ran\ndestructor ran\n");
        self::assertStringContainsString('in request shutdown', (string) @file_get_contents($this->dir . '/sess_endofprocess'));
    }

    public function testHeadersPhpSendsTheSapiReachTheSinkUntilTheRequestShutsDown(): void
    {
        $ended = $this->runFixture('sapi-headers.php', $this->dir);
        self::assertFalse($ended['signaled'], 'the process was not killed (no PHP callback after ext/ffi\'s shutdown)');
        self::assertSame(0, $ended['exitcode']);
        /** @var array{installed: bool, ids: list<string>, headers: list<array{0: string, 1: bool}>} $seen */
        $seen = json_decode((string) file_get_contents($this->dir . '/headers.json'), true, flags: JSON_THROW_ON_ERROR);
        self::assertTrue($seen['installed']);
        [$first, $regenerated] = $seen['ids'];
        self::assertNotSame($first, $regenerated);
        $name = ini_get('session.name');
        self::assertSame([
            ["Set-Cookie: $name=$first; path=/", false],
            ['Expires: Thu, 19 Nov 1981 08:52:00 GMT', true],
            ['Cache-Control: no-store, no-cache, must-revalidate', true],
            ['Pragma: no-cache', true],
            ["Set-Cookie: $name=$regenerated; path=/", false],
        ], $seen['headers']);
    }

    /**
     * Runs a script of fixtures/ in a PHP process of its own and waits for it.
     *
     * @return array{signaled: bool, termsig: int, exitcode: int, stdout: string}
     */
    private function runFixture(string $fixture, string ...$args): array
    {
        $proc = proc_open(
            [PHP_BINARY, __DIR__ . '/fixtures/' . $fixture, ...$args],
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
            $pipes,
        );
        self::assertIsResource($proc);
        // Both pipes to EOF, within 10 s: a process that hangs is killed and fails the test.
        $out = [1 => '', 2 => ''];
        $open = [1 => $pipes[1], 2 => $pipes[2]];
        $deadline = microtime(true) + 10;
        while ($open !== [] && microtime(true) < $deadline) {
            $read = array_values($open);
            $write = $except = null;
            if (stream_select($read, $write, $except, 0, 100_000) === false) {
                break;
            }
            foreach ($open as $fd => $pipe) {
                if (!in_array($pipe, $read, true)) {
                    continue;
                }
                $chunk = fread($pipe, 65536);
                if ($chunk === false || ($chunk === '' && feof($pipe))) {
                    unset($open[$fd]);
                    continue;
                }
                $out[$fd] .= $chunk;
            }
        }
        if ($open !== []) {
            proc_terminate($proc, SIGKILL);
        }
        self::assertSame([], $open, 'the process closed its output within 10 s');
        [1 => $stdout, 2 => $stderr] = $out;
        // The process has ended or is about to. Its status, within 10 s.
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
