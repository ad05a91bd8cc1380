<?php

namespace Tests\Feature;

use Tests\TestCase;

class CookieQueueTest extends TestCase
{
    public function test_a_queued_cookie_is_sent_encrypted(): void
    {
        $this->get('/leak/cookie/queue?value=v1')->assertOk()->assertCookie('leaky', 'v1');
    }

    public function test_a_page_that_queues_nothing_sends_no_such_cookie(): void
    {
        $this->get('/leak/cookie/none')->assertJsonPath('queued', false)->assertCookieMissing('leaky');
    }
}
