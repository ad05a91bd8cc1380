<?php

namespace Tests\Feature;

use Tests\TestCase;

class NotFoundTest extends TestCase
{
    public function test_an_unknown_page_is_404(): void
    {
        $this->get('/no-such-page')->assertNotFound();
    }

    public function test_a_json_client_gets_a_json_404(): void
    {
        $this->getJson('/no-such-page')->assertNotFound()->assertJsonStructure(['message']);
    }

    public function test_the_root_has_no_route(): void
    {
        $this->get('/')->assertNotFound();
    }
}
