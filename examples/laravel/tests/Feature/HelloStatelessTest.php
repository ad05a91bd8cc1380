<?php

namespace Tests\Feature;

use Tests\TestCase;

class HelloStatelessTest extends TestCase
{
    public function test_a_stateless_page_sets_no_cookie(): void
    {
        $response = $this->get('/hello');
        $this->assertSame([], $response->headers->getCookies());
    }

    public function test_a_head_request_gets_the_headers(): void
    {
        $this->call('HEAD', '/hello')->assertOk()->assertHeader('Content-Type', 'text/plain; charset=UTF-8');
    }
}
