<?php

use App\Http\Controllers\LeakController;
use App\Http\Controllers\OrderController;
use Illuminate\Support\Facades\Route;

// Stateful pages (session, cookies, auth): the state-leak tests drive these.
Route::get('/leak/auth/login', [LeakController::class, 'login']);
Route::get('/leak/auth/whoami', [LeakController::class, 'whoami']);
Route::get('/leak/session/put', [LeakController::class, 'sessionPut']);
Route::get('/leak/session/get', [LeakController::class, 'sessionGet']);
Route::match(['GET', 'POST'], '/leak/request', [LeakController::class, 'request']);
Route::get('/leak/flash/set', [LeakController::class, 'flashSet']);
Route::get('/leak/flash/get', [LeakController::class, 'flashGet']);
Route::get('/leak/cookie/queue', [LeakController::class, 'queueCookie']);
Route::get('/leak/cookie/none', [LeakController::class, 'noCookie']);
Route::get('/leak/scoped', [LeakController::class, 'scoped']);
Route::get('/leak/locale', [LeakController::class, 'locale']);
Route::get('/leak/config', [LeakController::class, 'config']);
Route::match(['GET', 'POST'], '/leak/globals', [LeakController::class, 'globals']);

// Broadcasting (routes/channels.php): an order reaches its owner's Echo, or
// everyone's but the page that sent X-Socket-ID.
Route::post('/orders', [OrderController::class, 'store']);
Route::post('/orders/to-others', [OrderController::class, 'storeForOthers']);
