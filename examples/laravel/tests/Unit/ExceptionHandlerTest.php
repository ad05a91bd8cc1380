<?php

namespace Tests\Unit;

use App\Exceptions\Handler;
use Illuminate\Contracts\Debug\ExceptionHandler;
use Tests\TestCase;

class ExceptionHandlerTest extends TestCase
{
    public function test_the_app_handler_is_bound(): void
    {
        $this->assertInstanceOf(Handler::class, $this->app->make(ExceptionHandler::class));
    }

    public function test_passwords_are_never_flashed(): void
    {
        $dontFlash = (new \ReflectionClass(Handler::class))->getDefaultProperties()['dontFlash'];
        $this->assertSame(['password', 'password_confirmation'], $dontFlash);
    }
}
