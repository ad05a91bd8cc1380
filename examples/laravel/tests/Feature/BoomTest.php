<?php

namespace Tests\Feature;

use Tests\TestCase;

class BoomTest extends TestCase
{
    public function test_boom_answers_500_with_its_header(): void
    {
        $this->get('/boom')->assertStatus(500)->assertHeader('X-Boom', 'yes');
    }

    public function test_boom_echoes_the_uri(): void
    {
        $this->get('/boom?debug=1')->assertSeeText('boom uri=/boom?debug=1 body=');
    }

    public function test_boom_echoes_a_posted_body(): void
    {
        $response = $this->call('POST', '/boom?debug=1', [], [], [], ['CONTENT_TYPE' => 'text/plain'], 'payload=42');
        $this->assertSame('boom uri=/boom?debug=1 body=payload=42', $response->getContent());
    }
}
