<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\InputStreamWrapper;
use Askr\Runtime\Http\RequestBody;
use Askr\Runtime\Runtime;
use Askr\Runtime\Worker\RequestContext;
use PHPUnit\Framework\TestCase;

final class InputStreamWrapperTest extends TestCase
{
    public static function setUpBeforeClass(): void
    {
        InputStreamWrapper::install();
    }

    public static function tearDownAfterClass(): void
    {
        stream_wrapper_restore('php');
    }

    protected function tearDown(): void
    {
        Runtime::leave();
    }

    public function testPhpInputIsTheRequestBodyAndCanBeReadTwice(): void
    {
        Runtime::enter(new RequestContext('r', [], [], RequestBody::fromString('{"a":1}'), false));
        self::assertSame('{"a":1}', file_get_contents('php://input'));
        self::assertSame('{"a":1}', file_get_contents('php://input'));
        $h = fopen('php://input', 'rb');
        self::assertSame('{"a"', fread($h, 4));
        fclose($h);
    }

    public function testLargeBodiesSpillToAFileAndReadBackWhole(): void
    {
        $big = str_repeat('0123456789', 300_000);
        $body = new RequestBody();
        foreach (str_split($big, 65536) as $chunk) {
            $body->append($chunk);
        }
        Runtime::enter(new RequestContext('r', [], [], $body, false));
        self::assertSame(strlen($big), strlen((string) file_get_contents('php://input')));
        self::assertSame(md5($big), md5((string) file_get_contents('php://input')));
    }

    public function testPhpInputIsEmptyForMultipartAndOutsideRequests(): void
    {
        Runtime::enter(new RequestContext('r', [], [], RequestBody::fromString('--b'), true));
        self::assertSame('', file_get_contents('php://input'));
        Runtime::leave();
        self::assertSame('', file_get_contents('php://input'));
    }

    public function testOtherPhpStreamsStillWork(): void
    {
        $m = fopen('php://memory', 'w+b');
        fwrite($m, 'kept');
        rewind($m);
        self::assertSame('kept', stream_get_contents($m));
        $t = fopen('php://temp/maxmemory:16', 'w+b');
        fwrite($t, str_repeat('x', 100));
        self::assertSame(100, ftell($t));
        self::assertIsResource(fopen('php://stderr', 'wb'));
    }
}
