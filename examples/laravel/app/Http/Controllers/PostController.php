<?php

namespace App\Http\Controllers;

use App\Support\Posts;

class PostController extends Controller
{
    /** The Blade page listing 20 posts. */
    public function index()
    {
        return view('posts', ['posts' => Posts::latest(20)]);
    }

    /** The same page, opted into Askr's response cache and tagged "posts". */
    public function cached()
    {
        return response()
            ->view('posts', ['posts' => Posts::latest(20)])
            ->header('Askr-Cache', '60, swr=30, tags=posts');
    }

    /** A model save: every cached page tagged "posts" is stale from now on. */
    public function store()
    {
        if (function_exists('askr_cache_forget_tag')) {
            askr_cache_forget_tag('posts');
        }
        return response()->json(['saved' => true]);
    }
}
