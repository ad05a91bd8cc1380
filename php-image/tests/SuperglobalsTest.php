<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Http\Superglobals;
use Askr\Runtime\Http\VariableRegistry;
use PHPUnit\Framework\TestCase;

final class SuperglobalsTest extends TestCase
{
    public function testCookiesAreDecodedAndTheFirstOccurrenceWins(): void
    {
        self::assertSame(
            ['a' => 'x y', 'b' => ['k' => '2'], 'c_d' => '3'],
            Superglobals::cookies('a=x%20y; a=shadowed;b[k]=2;  c.d=3'),
        );
        self::assertSame([], Superglobals::cookies(''));
    }

    public function testOnlyPostFormBodiesFillPost(): void
    {
        self::assertSame(['a' => '1'], Superglobals::formPost('POST', 'application/x-www-form-urlencoded; charset=UTF-8', 'a=1'));
        self::assertSame([], Superglobals::formPost('PUT', 'application/x-www-form-urlencoded', 'a=1'));
        self::assertSame([], Superglobals::formPost('POST', 'application/json', '{"a":1}'));
    }

    public function testVariableNamesFollowPhpsRules(): void
    {
        self::assertSame(['a_b'], VariableRegistry::path('a.b'));
        self::assertSame(['a', 'x', null], VariableRegistry::path('a[x][]'));
        self::assertSame(['a_b'], VariableRegistry::path('a[b'));
        self::assertNull(VariableRegistry::path('[x]'));
        $target = [];
        VariableRegistry::set($target, ['a', null], 1);
        VariableRegistry::set($target, ['a', null], 2);
        VariableRegistry::set($target, ['b', 'c', 'd'], 3);
        self::assertSame(['a' => [1, 2], 'b' => ['c' => ['d' => 3]]], $target);
    }
}
