<?php

namespace Tests\Feature;

use App\Http\Middleware\VerifyCsrfToken;
use Tests\TestCase;

class CsrfTest extends TestCase
{
    public function test_csrf_checks_are_skipped_in_unit_tests(): void
    {
        $this->post('/leak/request', ['marker' => 'x'])->assertOk();
    }

    public function test_the_excluded_paths_are_the_demo_endpoints(): void
    {
        $except = (new \ReflectionClass(VerifyCsrfToken::class))->getDefaultProperties()['except'];
        $this->assertContains('form', $except);
        $this->assertContains('leak/*', $except);
    }
}
