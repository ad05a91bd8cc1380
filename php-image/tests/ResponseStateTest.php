<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\ResponseState;
use PHPUnit\Framework\TestCase;

/** PHP's SAPI header rules, as header()/header_remove() follow them under PHP-FPM. */
final class ResponseStateTest extends TestCase
{
    public function testReplacesByDefaultAndAppendsOnRequest(): void
    {
        $r = new ResponseState();
        $r->header('X-A: 1');
        $r->header('x-a: 2');
        $r->header('X-B: 1');
        $r->header('X-B: 2', false);
        self::assertSame(['x-a: 2', 'X-B: 1', 'X-B: 2'], $r->lines());
    }

    public function testASessionCookieFromTheSapiReplacesTheOneBeforeItAndNoOtherCookie(): void
    {
        $name = session_name();
        $r = new ResponseState();
        $r->header('Set-Cookie: theme=dark', false);
        $r->sapiHeader("Set-Cookie: $name=first; path=/", false);
        $r->sapiHeader('Cache-Control: no-store', true);
        $r->sapiHeader('Cache-Control: private', true);
        $r->sapiHeader("Set-Cookie: $name=regenerated; path=/", false);
        $r->sapiHeader('Set-Cookie: other=1', false);
        self::assertSame([
            'Set-Cookie: theme=dark',
            'Cache-Control: private',
            "Set-Cookie: $name=regenerated; path=/",
            'Set-Cookie: other=1',
        ], $r->lines());
    }

    public function testAHeaderFromTheSapiAfterTheResponseStartedIsDroppedWithoutAWarning(): void
    {
        $r = new ResponseState();
        $r->finalize();
        // A warning here would reach the app's error handler from inside an FFI callback.
        $r->sapiHeader('Set-Cookie: ' . session_name() . '=late; path=/', false);
        self::assertSame(['Content-Type: text/html; charset=UTF-8'], $r->lines());
    }

    public function testStatusLinesAndResponseCodes(): void
    {
        $r = new ResponseState();
        $r->header('HTTP/1.0 404 Not Found');
        self::assertSame(404, $r->status);
        $r->header('X-Code: 1', true, 409);
        self::assertSame(409, $r->status);
    }

    public function testLocationImpliesA302UnlessAlreadyRedirectingOrCreated(): void
    {
        $r = new ResponseState();
        $r->header('Location: /a');
        self::assertSame(302, $r->status);
        $created = new ResponseState();
        $created->setStatus(201);
        $created->header('Location: /b');
        self::assertSame(201, $created->status);
        $moved = new ResponseState();
        $moved->setStatus(301);
        $moved->header('Location: /c');
        self::assertSame(301, $moved->status);
    }

    public function testTextContentTypesGetTheDefaultCharset(): void
    {
        $r = new ResponseState();
        $r->header('Content-Type: text/plain');
        self::assertSame(['Content-Type: text/plain; charset=UTF-8'], $r->lines());
        $json = new ResponseState();
        $json->header('Content-Type: application/json');
        self::assertSame(['Content-Type: application/json'], $json->lines());
        $default = new ResponseState();
        self::assertSame([['Content-Type', 'text/html; charset=UTF-8']], $default->finalize()['headers']);
    }

    public function testRemovesOneHeaderOrAll(): void
    {
        $r = new ResponseState();
        $r->header('X-A: 1');
        $r->header('X-B: 1');
        $r->remove('x-a');
        self::assertSame(['X-B: 1'], $r->lines());
        $r->remove();
        self::assertSame([], $r->lines());
    }

    public function testRefusesHeaderInjectionAndChangesAfterSending(): void
    {
        $r = new ResponseState();
        self::assertFalse(@$r->header("X-A: 1\r\nX-Evil: 1"));
        self::assertSame([], $r->lines());
        $r->finalize();
        self::assertFalse(@$r->header('X-Late: 1'));
        self::assertNotContains('X-Late: 1', $r->lines());
    }

    public function testRunsHeaderCallbacksOnceWhenFinalizing(): void
    {
        $r = new ResponseState();
        $calls = 0;
        $r->beforeSend[] = function () use ($r, &$calls): void {
            $calls++;
            $r->header('X-From-Callback: yes');
        };
        $r->finalize();
        $r->finalize();
        self::assertSame(1, $calls);
        self::assertContains('X-From-Callback: yes', $r->lines());
    }
}
