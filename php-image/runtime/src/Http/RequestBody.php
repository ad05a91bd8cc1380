<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

/**
 * The raw body of one request, as php://input sees it: kept in memory while
 * small, moved to an anonymous temp file past 2 MiB.
 */
final class RequestBody
{
    private const MEMORY_LIMIT = 2 * 1024 * 1024;

    private string $data = '';
    /** @var resource|null */
    private $file = null;
    private int $length = 0;

    public static function fromString(string $data): self
    {
        $body = new self();
        $body->append($data);
        return $body;
    }

    public function append(string $chunk): void
    {
        $this->length += strlen($chunk);
        if ($this->file !== null) {
            fwrite($this->file, $chunk);
            return;
        }
        $this->data .= $chunk;
        if (strlen($this->data) > self::MEMORY_LIMIT) {
            $file = tmpfile();
            if ($file === false) {
                return;
            }
            fwrite($file, $this->data);
            $this->file = $file;
            $this->data = '';
        }
    }

    public function length(): int
    {
        return $this->length;
    }

    public function contents(): string
    {
        if ($this->file === null) {
            return $this->data;
        }
        rewind($this->file);
        return (string) stream_get_contents($this->file);
    }

    /** Reads up to $count bytes at $offset (for the php://input stream). */
    public function read(int $offset, int $count): string
    {
        if ($this->file === null) {
            return (string) substr($this->data, $offset, $count);
        }
        fseek($this->file, $offset);
        return (string) fread($this->file, max(1, $count));
    }

    public function close(): void
    {
        if ($this->file !== null) {
            fclose($this->file);
            $this->file = null;
        }
        $this->data = '';
    }
}
