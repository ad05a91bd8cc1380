<?php

namespace Tests\Feature;

use Tests\TestCase;

class SessionTest extends TestCase
{
    public function test_put_stores_the_value(): void
    {
        $this->get('/leak/session/put?value=s3cret')->assertExactJson(['stored' => 's3cret']);
        $this->assertSame('s3cret', session('secret'));
    }

    public function test_get_reads_a_seeded_session(): void
    {
        $this->withSession(['secret' => 'seeded'])->get('/leak/session/get')->assertExactJson(['secret' => 'seeded']);
    }

    public function test_a_fresh_session_is_empty(): void
    {
        $this->get('/leak/session/get')->assertExactJson(['secret' => null]);
    }
}
