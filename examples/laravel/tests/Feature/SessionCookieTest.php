<?php

namespace Tests\Feature;

use Tests\TestCase;

class SessionCookieTest extends TestCase
{
    public function test_a_web_page_sets_the_session_cookie(): void
    {
        $this->get('/leak/session/get')->assertCookie('askr_example_session');
    }

    public function test_a_web_page_sets_the_csrf_cookie(): void
    {
        $this->get('/leak/session/get')->assertCookie('XSRF-TOKEN', null, false);
    }
}
