<?php

namespace App\Http\Controllers;

use App\Support\RequestCounter;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\App;
use Illuminate\Support\Facades\Auth;
use Illuminate\Support\Facades\Cookie;

/**
 * Each pair of actions sets one kind of state and reads it back: a request
 * that sets nothing must never see what another request set.
 */
class LeakController extends Controller
{
    public function login(Request $request)
    {
        Auth::login(Auth::getProvider()->retrieveById((int) $request->query('user', '1')));
        return response()->json(['user' => Auth::id()]);
    }

    public function whoami()
    {
        return response()->json(['user' => Auth::id()]);
    }

    public function sessionPut(Request $request)
    {
        session()->put('secret', (string) $request->query('value', 'v'));
        return response()->json(['stored' => session('secret')]);
    }

    public function sessionGet()
    {
        return response()->json(['secret' => session('secret')]);
    }

    public function flashSet(Request $request)
    {
        return redirect('/leak/flash/get')->with('flashed', (string) $request->query('value', 'v'));
    }

    public function flashGet()
    {
        return response()->json(['flashed' => session('flashed')]);
    }

    public function request(Request $request)
    {
        return response()->json([
            'marker' => $request->input('marker'),
            'all' => $request->all(),
            'facade' => \Illuminate\Support\Facades\Request::input('marker'),
            'helper' => request('marker'),
            'path' => $request->path(),
        ]);
    }

    public function queueCookie(Request $request)
    {
        Cookie::queue('leaky', (string) $request->query('value', 'x'), 10);
        return response()->json(['queued' => true]);
    }

    public function noCookie()
    {
        return response()->json(['queued' => false]);
    }

    public function scoped()
    {
        $counter = app(RequestCounter::class);
        $counter->count++;
        app(RequestCounter::class)->count++;
        return response()->json(['count' => $counter->count]);
    }

    public function locale(Request $request)
    {
        if ($request->query('set') !== null) {
            App::setLocale((string) $request->query('set'));
        }
        return response()->json(['locale' => App::getLocale()]);
    }

    public function config(Request $request)
    {
        if ($request->query('set') !== null) {
            config(['app.name' => (string) $request->query('set')]);
        }
        return response()->json(['name' => config('app.name')]);
    }

    public function globals(Request $request)
    {
        return response()->json([
            'get' => $_GET,
            'post' => $_POST,
            'cookie' => $_COOKIE,
            'files' => array_keys($_FILES),
            'server_marker' => $_SERVER['HTTP_X_MARKER'] ?? null,
        ]);
    }
}
