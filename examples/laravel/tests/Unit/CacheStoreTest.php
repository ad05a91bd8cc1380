<?php

namespace Tests\Unit;

use Illuminate\Support\Facades\Cache;
use Tests\TestCase;

class CacheStoreTest extends TestCase
{
    public function test_put_and_get(): void
    {
        Cache::put('k', 'v', 60);
        $this->assertSame('v', Cache::get('k'));
    }

    public function test_remember_runs_the_callback_once(): void
    {
        $calls = 0;
        $make = function () use (&$calls) {
            return ++$calls;
        };
        $this->assertSame(1, Cache::remember('r', 60, $make));
        $this->assertSame(1, Cache::remember('r', 60, $make));
        $this->assertSame(1, $calls);
    }

    public function test_each_test_starts_with_an_empty_cache(): void
    {
        $this->assertNull(Cache::get('k'));
    }
}
