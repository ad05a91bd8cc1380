<?php

namespace Tests\Feature;

use Tests\TestCase;

class HelloPageTest extends TestCase
{
    public function test_it_says_hello(): void
    {
        $this->get('/hello')->assertOk()->assertSeeText('Hello, World!');
    }

    public function test_it_is_plain_text(): void
    {
        $this->get('/hello')->assertHeader('Content-Type', 'text/plain; charset=UTF-8');
    }

    public function test_the_body_is_exactly_the_greeting(): void
    {
        $this->assertSame('Hello, World!', $this->get('/hello')->getContent());
    }
}
