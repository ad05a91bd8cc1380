<?php

namespace Tests\Unit;

use Illuminate\Support\Facades\Route;
use Tests\TestCase;

class RoutesTest extends TestCase
{
    public function test_the_demo_routes_are_registered(): void
    {
        $uris = array_map(static fn ($r) => $r->uri(), iterator_to_array(Route::getRoutes()));
        foreach (['hello', 'posts', 'posts/cached', 'slow', 'boom', 'form', 'upload', 'stream', 'defer', 'leak/auth/login'] as $uri) {
            $this->assertContains($uri, $uris);
        }
    }

    public function test_leak_routes_use_the_web_group(): void
    {
        $route = Route::getRoutes()->match(\Illuminate\Http\Request::create('/leak/session/get'));
        $this->assertContains('web', $route->gatherMiddleware());
    }

    public function test_hello_uses_the_stateless_group(): void
    {
        $route = Route::getRoutes()->match(\Illuminate\Http\Request::create('/hello'));
        $this->assertSame(['stateless'], $route->gatherMiddleware());
    }
}
