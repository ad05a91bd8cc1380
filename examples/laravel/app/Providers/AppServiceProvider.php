<?php

namespace App\Providers;

use App\Support\RequestCounter;
use Illuminate\Support\ServiceProvider;

class AppServiceProvider extends ServiceProvider
{
    public function register(): void
    {
        // One counter per request: the scoped-singleton leak test relies on it.
        $this->app->scoped(RequestCounter::class, fn () => new RequestCounter());
    }
}
