<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

/**
 * Streaming multipart/form-data parser with PHP's rfc1867 semantics: fields go
 * to $_POST, files are written to temp files as they arrive and described in
 * $_FILES (name, full_path, type, tmp_name, error, size), honouring
 * upload_max_filesize, max_file_uploads and post_max_size.
 */
final class MultipartParser
{
    private const PREAMBLE = 0;
    private const AFTER_DELIMITER = 1;
    private const HEADERS = 2;
    private const BODY = 3;
    private const DONE = 4;

    private int $state = self::PREAMBLE;
    private string $buffer = '';
    private string $delimiter;
    /** @var array{name: string, filename: ?string, type: string} */
    private array $part = ['name' => '', 'filename' => null, 'type' => ''];
    private string $value = '';
    /** @var resource|null */
    private $file = null;
    private string $tmpName = '';
    private int $size = 0;
    private int $error = UPLOAD_ERR_OK;
    private int $fileCount = 0;
    private int $fieldBytes = 0;
    /** @var array<array-key, mixed> */
    public array $post = [];
    /** @var array<array-key, mixed> */
    public array $files = [];
    /** @var list<string> temp files created for uploads (deleted after the request) */
    public array $tmpFiles = [];

    private readonly int $maxFileSize;
    private readonly int $maxFiles;
    private readonly int $maxPost;

    public function __construct(string $boundary, private readonly string $tmpDir)
    {
        $this->delimiter = "\r\n--" . $boundary;
        $this->maxFileSize = self::iniBytes('upload_max_filesize');
        $this->maxFiles = (int) ini_get('max_file_uploads');
        $this->maxPost = self::iniBytes('post_max_size');
    }

    public static function boundaryOf(string $contentType): ?string
    {
        if (preg_match('/boundary=(?:"([^"]+)"|([^;,\s]+))/i', $contentType, $m) !== 1) {
            return null;
        }
        $b = $m[1] !== '' ? $m[1] : $m[2];
        return strlen($b) <= 200 ? $b : null;
    }

    public function write(string $chunk): void
    {
        // A leading CRLF lets the first delimiter match like every later one.
        $this->buffer .= ($this->state === self::PREAMBLE && $this->buffer === '' ? "\r\n" : '') . $chunk;
        while ($this->step()) {
        }
    }

    public function finish(): void
    {
        if ($this->file !== null) {
            // Truncated body: PHP reports the upload as partial.
            $this->error = UPLOAD_ERR_PARTIAL;
            $this->endPart();
        }
        $this->state = self::DONE;
        $this->buffer = '';
    }

    private function step(): bool
    {
        switch ($this->state) {
            case self::PREAMBLE:
                $at = strpos($this->buffer, $this->delimiter);
                if ($at === false) {
                    $this->buffer = substr($this->buffer, -strlen($this->delimiter));
                    return false;
                }
                $this->buffer = substr($this->buffer, $at + strlen($this->delimiter));
                $this->state = self::AFTER_DELIMITER;
                return true;
            case self::AFTER_DELIMITER:
                if (strlen($this->buffer) < 2) {
                    return false;
                }
                if (str_starts_with($this->buffer, '--')) {
                    $this->state = self::DONE;
                    $this->buffer = '';
                    return false;
                }
                $eol = strpos($this->buffer, "\r\n");
                if ($eol === false) {
                    return false;
                }
                $this->buffer = substr($this->buffer, $eol + 2);
                $this->state = self::HEADERS;
                return true;
            case self::HEADERS:
                $end = strpos($this->buffer, "\r\n\r\n");
                if ($end === false) {
                    if (strlen($this->buffer) > 16384) {
                        $this->state = self::DONE;
                    }
                    return false;
                }
                $this->startPart(substr($this->buffer, 0, $end));
                $this->buffer = substr($this->buffer, $end + 4);
                $this->state = self::BODY;
                return true;
            case self::BODY:
                $at = strpos($this->buffer, $this->delimiter);
                if ($at === false) {
                    $keep = strlen($this->delimiter);
                    if (strlen($this->buffer) > $keep) {
                        $this->partData(substr($this->buffer, 0, -$keep));
                        $this->buffer = substr($this->buffer, -$keep);
                    }
                    return false;
                }
                $this->partData(substr($this->buffer, 0, $at));
                $this->endPart();
                $this->buffer = substr($this->buffer, $at + strlen($this->delimiter));
                $this->state = self::AFTER_DELIMITER;
                return true;
            default:
                $this->buffer = '';
                return false;
        }
    }

    private function startPart(string $rawHeaders): void
    {
        $this->part = ['name' => '', 'filename' => null, 'type' => ''];
        $this->value = '';
        $this->size = 0;
        $this->error = UPLOAD_ERR_OK;
        $this->tmpName = '';
        foreach (explode("\r\n", $rawHeaders) as $line) {
            [$name, $value] = array_pad(explode(':', $line, 2), 2, '');
            $name = strtolower(trim($name));
            if ($name === 'content-disposition') {
                if (preg_match('/\bname="((?:[^"\\\\]|\\\\.)*)"/i', $value, $m) === 1 || preg_match('/\bname=([^;\s]+)/i', $value, $m) === 1) {
                    $this->part['name'] = stripcslashes($m[1]);
                }
                if (preg_match('/\bfilename="((?:[^"\\\\]|\\\\.)*)"/i', $value, $m) === 1 || preg_match('/\bfilename=([^;\s]+)/i', $value, $m) === 1) {
                    $this->part['filename'] = stripcslashes($m[1]);
                }
            } elseif ($name === 'content-type') {
                $this->part['type'] = trim($value);
            }
        }
        if ($this->part['filename'] === null || $this->part['filename'] === '') {
            return;
        }
        if ($this->fileCount >= $this->maxFiles) {
            $this->error = -1; // silently dropped, as PHP does past max_file_uploads
            return;
        }
        $this->fileCount++;
        $tmp = tempnam($this->tmpDir, 'php');
        $file = $tmp === false ? false : fopen($tmp, 'wb');
        if ($tmp === false || $file === false) {
            $this->error = UPLOAD_ERR_CANT_WRITE;
            return;
        }
        $this->tmpName = $tmp;
        $this->tmpFiles[] = $tmp;
        $this->file = $file;
    }

    private function partData(string $data): void
    {
        if ($data === '') {
            return;
        }
        if ($this->part['filename'] === null) {
            $this->fieldBytes += strlen($data);
            if ($this->maxPost <= 0 || $this->fieldBytes <= $this->maxPost) {
                $this->value .= $data;
            }
            return;
        }
        $this->size += strlen($data);
        if ($this->file === null) {
            return;
        }
        if ($this->maxFileSize > 0 && $this->size > $this->maxFileSize) {
            $this->error = UPLOAD_ERR_INI_SIZE;
            fclose($this->file);
            $this->file = null;
            @unlink($this->tmpName);
            $this->tmpName = '';
            return;
        }
        fwrite($this->file, $data);
    }

    private function endPart(): void
    {
        $path = VariableRegistry::path($this->part['name']);
        if ($this->file !== null) {
            fclose($this->file);
            $this->file = null;
        }
        if ($path === null) {
            return;
        }
        if ($this->part['filename'] === null) {
            VariableRegistry::set($this->post, $path, $this->value);
            return;
        }
        if ($this->error === -1) {
            return;
        }
        $filename = $this->part['filename'];
        $entry = [
            'name' => basename(str_replace('\\', '/', $filename)),
            'full_path' => $filename,
            'type' => $filename === '' ? '' : $this->part['type'],
            'tmp_name' => $this->error === UPLOAD_ERR_OK ? $this->tmpName : '',
            'error' => $filename === '' ? UPLOAD_ERR_NO_FILE : $this->error,
            'size' => $this->error === UPLOAD_ERR_OK ? $this->size : 0,
        ];
        $this->registerFile($path, $entry);
    }

    /**
     * PHP transposes nested upload names: "a[x]" becomes $_FILES['a']['name']['x'], …
     *
     * @param list<string|null> $path
     * @param array<string, mixed> $entry
     */
    private function registerFile(array $path, array $entry): void
    {
        $base = (string) array_shift($path);
        if ($path === []) {
            $this->files[$base] = $entry;
            return;
        }
        // Resolve "[]" against the name subtree so all six keys share one index.
        $resolved = [];
        $node = $this->files[$base]['name'] ?? [];
        foreach ($path as $key) {
            if ($key === null) {
                $key = is_array($node) && $node !== [] ? (int) max(array_filter(array_keys($node), 'is_int') ?: [-1]) + 1 : 0;
            }
            $resolved[] = $key;
            $node = is_array($node) ? ($node[$key] ?? []) : [];
        }
        foreach ($entry as $field => $value) {
            $this->files[$base] ??= [];
            $sub = $this->files[$base][$field] ?? [];
            VariableRegistry::set($sub, $resolved, $value);
            $this->files[$base][$field] = $sub;
        }
    }

    public static function iniBytes(string $key): int
    {
        $v = trim((string) ini_get($key));
        if ($v === '') {
            return 0;
        }
        $n = (int) $v;
        return match (strtolower(substr($v, -1))) {
            'g' => $n * 1024 ** 3,
            'm' => $n * 1024 ** 2,
            'k' => $n * 1024,
            default => $n,
        };
    }
}
