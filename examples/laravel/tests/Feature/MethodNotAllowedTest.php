<?php

namespace Tests\Feature;

use Tests\TestCase;

class MethodNotAllowedTest extends TestCase
{
    public function test_delete_on_a_get_route_is_405(): void
    {
        $this->delete('/hello')->assertStatus(405);
    }

    public function test_get_on_upload_is_405(): void
    {
        $this->get('/upload')->assertStatus(405)->assertHeader('Allow', 'POST');
    }
}
