<?php

namespace Tests\Feature;

use Tests\TestCase;

class GlobalsTest extends TestCase
{
    public function test_test_requests_do_not_touch_superglobals(): void
    {
        // The HTTP kernel is driven in-process: PHP's superglobals stay as the CLI set them.
        $this->get('/leak/globals?x=1', ['X-Marker' => 'm'])
            ->assertOk()
            ->assertJsonPath('get', [])
            ->assertJsonPath('files', [])
            ->assertJsonPath('server_marker', null);
    }
}
