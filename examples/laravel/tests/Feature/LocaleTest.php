<?php

namespace Tests\Feature;

use Tests\TestCase;

class LocaleTest extends TestCase
{
    public function test_the_default_locale_is_english(): void
    {
        $this->get('/leak/locale')->assertExactJson(['locale' => 'en']);
    }

    public function test_a_request_can_switch_the_locale(): void
    {
        $this->get('/leak/locale?set=fr')->assertExactJson(['locale' => 'fr']);
        $this->assertSame('fr', app()->getLocale());
    }
}
