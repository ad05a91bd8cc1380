<?php

namespace Tests\Unit;

use App\Http\Kernel;
use Tests\TestCase;

class HttpKernelTest extends TestCase
{
    public function test_the_stateless_group_starts_no_session(): void
    {
        $groups = $this->app->make(Kernel::class)->getMiddlewareGroups();
        $this->assertNotContains(\Illuminate\Session\Middleware\StartSession::class, $groups['stateless']);
        $this->assertContains(\Illuminate\Session\Middleware\StartSession::class, $groups['web']);
    }

    public function test_global_middleware_includes_trusted_proxies(): void
    {
        $this->assertTrue($this->app->make(Kernel::class)->hasMiddleware(\App\Http\Middleware\TrustProxies::class));
    }
}
