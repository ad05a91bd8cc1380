<?php

namespace App\Http\Middleware;

use Illuminate\Foundation\Http\Middleware\VerifyCsrfToken as Middleware;

class VerifyCsrfToken extends Middleware
{
    // The demo's form and upload endpoints are driven by tests and benchmarks.
    protected $except = ['form', 'upload', 'boom', 'posts', 'leak/*', 'broadcast/*'];
}
