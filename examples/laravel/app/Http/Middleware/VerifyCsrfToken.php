<?php

namespace App\Http\Middleware;

use Illuminate\Foundation\Http\Middleware\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    // The demo's form, upload and order endpoints are driven by tests and benchmarks.
    // (Broadcast::routes() already exempts /broadcasting/auth.)
    protected $except = ['form', 'upload', 'boom', 'posts', 'leak/*', 'broadcast/*', 'orders', 'orders/*'];
}
