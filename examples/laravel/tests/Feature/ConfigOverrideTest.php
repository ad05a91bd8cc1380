<?php

namespace Tests\Feature;

use Tests\TestCase;

class ConfigOverrideTest extends TestCase
{
    public function test_the_app_name_is_the_default(): void
    {
        $this->get('/leak/config')->assertExactJson(['name' => 'Askr Example']);
    }

    public function test_a_request_can_change_config(): void
    {
        $this->get('/leak/config?set=Renamed')->assertExactJson(['name' => 'Renamed']);
        $this->assertSame('Renamed', config('app.name'));
    }
}
