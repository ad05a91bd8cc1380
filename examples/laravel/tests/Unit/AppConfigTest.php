<?php

namespace Tests\Unit;

use Tests\TestCase;

class AppConfigTest extends TestCase
{
    public function test_the_suite_runs_in_the_testing_environment(): void
    {
        $this->assertSame('testing', config('app.env'));
        $this->assertTrue($this->app->environment('testing'));
    }

    public function test_the_stores_are_in_memory(): void
    {
        $this->assertSame('array', config('session.driver'));
        $this->assertSame('array', config('cache.default'));
    }

    public function test_locale_and_timezone(): void
    {
        $this->assertSame('en', config('app.locale'));
        $this->assertSame('UTC', config('app.timezone'));
        $this->assertSame('UTC', date_default_timezone_get());
    }
}
