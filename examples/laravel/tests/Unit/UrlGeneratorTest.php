<?php

namespace Tests\Unit;

use Tests\TestCase;

class UrlGeneratorTest extends TestCase
{
    public function test_urls_use_the_app_url(): void
    {
        $this->assertSame('http://localhost/hello', url('/hello'));
    }

    public function test_query_strings_are_built(): void
    {
        $this->assertSame('http://localhost/slow?ms=5', url()->to('/slow') . '?' . http_build_query(['ms' => 5]));
    }
}
