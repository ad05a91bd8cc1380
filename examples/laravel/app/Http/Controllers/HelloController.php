<?php

namespace App\Http\Controllers;

class HelloController extends Controller
{
    public function show()
    {
        return response('Hello, World!', 200, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }
}
