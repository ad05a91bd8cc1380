<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\CookieHeader;
use PHPUnit\Framework\TestCase;

/** Set-Cookie values exactly as ext/standard/head.c builds them. */
final class CookieHeaderTest extends TestCase
{
    private static function set(string $name, string $value, array|int $opts = 0, string $path = '', string $domain = '', bool $secure = false, bool $httponly = false, bool $raw = false): string
    {
        return CookieHeader::build($raw ? 'setrawcookie' : 'setcookie', $name, $value, $opts, $path, $domain, $secure, $httponly, !$raw);
    }

    public function testEncodesValuesLikeRawurlencode(): void
    {
        self::assertSame('a=hello%20world%3B%2C', self::set('a', 'hello world;,'));
        self::assertSame('a=hello%20world', self::set('a', 'hello%20world', raw: true));
    }

    public function testWritesAttributesInPhpsOrder(): void
    {
        $expires = 2000000000;
        $header = self::set('s', 'v', ['expires' => $expires, 'path' => '/x', 'domain' => 'd.test', 'secure' => true, 'httponly' => true, 'samesite' => 'Lax']);
        self::assertMatchesRegularExpression('/^s=v; expires=Wed, 18 May 2033 03:33:20 GMT; Max-Age=\d+; path=\/x; domain=d\.test; secure; HttpOnly; SameSite=Lax$/', $header);
        self::assertSame('p=v; path=/; domain=d.test; secure; HttpOnly', self::set('p', 'v', 0, '/', 'd.test', true, true));
    }

    public function testDeletesWithAnExpiredPlaceholder(): void
    {
        self::assertSame('gone=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0', self::set('gone', ''));
    }

    public function testMaxAgeIsNeverNegative(): void
    {
        self::assertStringContainsString('Max-Age=0', self::set('old', 'v', 1000));
    }

    public function testRejectsBadNamesValuesAndOptions(): void
    {
        foreach ([['', 'v'], ['a=b', 'v'], ["a\nb", 'v']] as [$name, $value]) {
            try {
                self::set($name, $value);
                self::fail("accepted name " . json_encode($name));
            } catch (\ValueError) {
                self::addToAssertionCount(1);
            }
        }
        $this->expectException(\ValueError::class);
        self::set('a', 'b c', raw: true);
    }

    public function testRejectsUnknownOptions(): void
    {
        $this->expectException(\ValueError::class);
        self::set('a', 'b', ['expire' => 1]);
    }
}
