<?php

namespace App\Providers;

use App\Support\DemoUserProvider;
use Illuminate\Support\Facades\Auth;
use Illuminate\Support\ServiceProvider;

class AuthServiceProvider extends ServiceProvider
{
    public function boot(): void
    {
        Auth::provider('demo', fn () => new DemoUserProvider());
    }
}
