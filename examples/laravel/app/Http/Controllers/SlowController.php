<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class SlowController extends Controller
{
    public function show(Request $request)
    {
        $ms = max(0, min(60_000, (int) $request->query('ms', '100')));
        usleep($ms * 1000);
        return response("slept $ms ms\n", 200, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }
}
