<?php

namespace App\Http\Controllers;

use Illuminate\Http\Request;

class FormController extends Controller
{
    public function submit(Request $request)
    {
        return response()->json([
            'method' => $request->method(),
            'fields' => $request->all(),
            'content_type' => $request->header('Content-Type'),
        ]);
    }
}
