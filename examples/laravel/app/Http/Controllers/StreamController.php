<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class StreamController extends Controller
{
    /** Three chunks, flushed one by one: the client sees each before the next is made. */
    public function show(Request $request)
    {
        $pause = max(0, min(5000, (int) $request->query('ms', '200')));
        return response()->stream(function () use ($pause) {
            for ($i = 1; $i <= 3; $i++) {
                echo "chunk $i at " . microtime(true) . "\n";
                flush();
                usleep($pause * 1000);
            }
        }, 200, ['Content-Type' => 'text/plain; charset=UTF-8']);
    }
}
