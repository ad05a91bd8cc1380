<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\MultipartParser;
use PHPUnit\Framework\TestCase;

final class MultipartParserTest extends TestCase
{
    private const BOUNDARY = '----askrBoundary7MA4YWxkTrZu0gW';

    private static function body(array $parts): string
    {
        $out = "preamble to ignore\r\n";
        foreach ($parts as $p) {
            $out .= '--' . self::BOUNDARY . "\r\n";
            if (isset($p['filename'])) {
                $out .= "Content-Disposition: form-data; name=\"{$p['name']}\"; filename=\"{$p['filename']}\"\r\nContent-Type: {$p['type']}\r\n\r\n{$p['data']}\r\n";
            } else {
                $out .= "Content-Disposition: form-data; name=\"{$p['name']}\"\r\n\r\n{$p['value']}\r\n";
            }
        }
        return $out . '--' . self::BOUNDARY . "--\r\nepilogue";
    }

    private static function parse(string $body, int $chunk): MultipartParser
    {
        $parser = new MultipartParser(self::BOUNDARY, sys_get_temp_dir());
        foreach (str_split($body, $chunk) as $piece) {
            $parser->write($piece);
        }
        $parser->finish();
        return $parser;
    }

    public function testParsesFieldsAndFilesWhateverTheChunking(): void
    {
        $file = str_repeat("line of data with --boundary-looking bits\r\n--", 500);
        $body = self::body([
            ['name' => 'title', 'value' => "multi\r\nline"],
            ['name' => 'tags[]', 'value' => 'a'],
            ['name' => 'tags[]', 'value' => 'b'],
            ['name' => 'user[name]', 'value' => 'ann'],
            ['name' => 'doc', 'filename' => 'report.txt', 'type' => 'text/plain', 'data' => $file],
            ['name' => 'pics[]', 'filename' => 'a.png', 'type' => 'image/png', 'data' => 'PNGA'],
            ['name' => 'pics[]', 'filename' => 'b.png', 'type' => 'image/png', 'data' => 'PNGB'],
            ['name' => 'empty', 'filename' => '', 'type' => 'application/octet-stream', 'data' => ''],
        ]);
        foreach ([1, 2, 3, 7, 64, 1000, strlen($body)] as $chunk) {
            $p = self::parse($body, $chunk);
            self::assertSame(['title' => "multi\r\nline", 'tags' => ['a', 'b'], 'user' => ['name' => 'ann']], $p->post, "chunk $chunk");
            self::assertSame('report.txt', $p->files['doc']['name']);
            self::assertSame(strlen($file), $p->files['doc']['size']);
            self::assertSame(UPLOAD_ERR_OK, $p->files['doc']['error']);
            self::assertSame($file, file_get_contents($p->files['doc']['tmp_name']));
            self::assertSame(['a.png', 'b.png'], $p->files['pics']['name']);
            self::assertSame('PNGB', file_get_contents($p->files['pics']['tmp_name'][1]));
            self::assertSame(UPLOAD_ERR_NO_FILE, $p->files['empty']['error']);
            foreach ($p->tmpFiles as $tmp) {
                @unlink($tmp);
            }
        }
    }

    public function testAFileOverUploadMaxFilesizeIsReportedNotStored(): void
    {
        $limit = MultipartParser::iniBytes('upload_max_filesize');
        $p = self::parse(self::body([['name' => 'big', 'filename' => 'big.bin', 'type' => 'application/octet-stream', 'data' => str_repeat('x', $limit + 1)]]), 65536);
        self::assertSame(UPLOAD_ERR_INI_SIZE, $p->files['big']['error']);
        self::assertSame('', $p->files['big']['tmp_name']);
        self::assertSame(0, $p->files['big']['size']);
    }

    public function testATruncatedBodyMarksTheUploadPartial(): void
    {
        $body = self::body([['name' => 'f', 'filename' => 'f.txt', 'type' => 'text/plain', 'data' => str_repeat('y', 5000)]]);
        $p = self::parse(substr($body, 0, 2000), 100);
        self::assertSame(UPLOAD_ERR_PARTIAL, $p->files['f']['error']);
    }

    public function testReadsTheBoundaryFromTheContentType(): void
    {
        self::assertSame('abc', MultipartParser::boundaryOf('multipart/form-data; boundary=abc'));
        self::assertSame('a b', MultipartParser::boundaryOf('multipart/form-data; boundary="a b"; charset=utf-8'));
        self::assertNull(MultipartParser::boundaryOf('multipart/form-data'));
    }
}
