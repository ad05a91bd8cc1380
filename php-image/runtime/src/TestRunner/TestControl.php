<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

use Askr\Runtime\Process\Libc;

/**
 * The test template's control channel to `askr test`: newline-delimited JSON
 * over the socket pair the CLI passes as fd 3 (docs/askr-test.md lists the
 * messages). A separate descriptor keeps it clear of anything the bootstrap or
 * a test prints.
 */
final class TestControl
{
    private const MAX_LINE = 1 << 20;

    private string $buffer = '';
    private bool $eof = false;

    /** @param resource $stream */
    private function __construct(public readonly mixed $stream)
    {
    }

    /** @throws \RuntimeException when the descriptor is not open */
    public static function open(int $fd): self
    {
        $stream = @fopen("php://fd/$fd", 'r+');
        if ($stream === false) {
            throw new \RuntimeException("askr test: no control channel on fd $fd (the test template is started by `askr test`)");
        }
        // php://fd/N is a dup: drop the original so that children do not inherit two copies.
        Libc::close($fd);
        stream_set_blocking($stream, false);
        return new self($stream);
    }

    /** True once the CLI has closed its end. */
    public function closed(): bool
    {
        return $this->eof;
    }

    /**
     * Reads what is available and returns the complete messages in it.
     *
     * @return list<array<string, mixed>>
     */
    public function receive(): array
    {
        while (true) {
            $chunk = @fread($this->stream, 65536);
            if ($chunk === false || ($chunk === '' && feof($this->stream))) {
                $this->eof = true;
                break;
            }
            if ($chunk === '') {
                break;
            }
            $this->buffer .= $chunk;
            if (strlen($this->buffer) > self::MAX_LINE && !str_contains($this->buffer, "\n")) {
                throw new \RuntimeException('askr test: control message longer than ' . self::MAX_LINE . ' bytes');
            }
        }
        $messages = [];
        while (($nl = strpos($this->buffer, "\n")) !== false) {
            $line = substr($this->buffer, 0, $nl);
            $this->buffer = substr($this->buffer, $nl + 1);
            if (trim($line) === '') {
                continue;
            }
            $msg = json_decode($line, true);
            if (!is_array($msg) || !is_string($msg['type'] ?? null)) {
                throw new \RuntimeException('askr test: malformed control message: ' . substr($line, 0, 200));
            }
            $messages[] = $msg;
        }
        return $messages;
    }

    /** @param array<string, mixed> $message */
    public function send(array $message): void
    {
        $line = json_encode($message, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE) . "\n";
        $deadline = microtime(true) + 30;
        while ($line !== '') {
            $n = @fwrite($this->stream, $line);
            if ($n === false) {
                $this->eof = true;
                return;
            }
            $line = substr($line, $n);
            if ($line === '') {
                return;
            }
            if (microtime(true) > $deadline) {
                $this->eof = true;
                return;
            }
            $read = $except = null;
            $write = [$this->stream];
            @stream_select($read, $write, $except, 0, 100_000);
        }
    }

    /** Called in a forked child: its copy of the channel must not linger. */
    public function closeInChild(): void
    {
        @fclose($this->stream);
    }
}
