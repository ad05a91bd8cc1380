<?php

use App\Http\Controllers\BoomController;
use App\Http\Controllers\DeferController;
use App\Http\Controllers\FormController;
use App\Http\Controllers\HelloController;
use App\Http\Controllers\PostController;
use App\Http\Controllers\SlowController;
use App\Http\Controllers\StreamController;
use App\Http\Controllers\UploadController;
use Illuminate\Support\Facades\Route;

// Pages without sessions or cookies: what benchmarks and the response cache use.
Route::get('/hello', [HelloController::class, 'show']);
Route::get('/posts', [PostController::class, 'index']);
Route::get('/posts/cached', [PostController::class, 'cached']);
Route::post('/posts', [PostController::class, 'store']);
Route::get('/slow', [SlowController::class, 'show']);
Route::match(['GET', 'POST'], '/boom', [BoomController::class, 'boom']);
Route::get('/explode', [BoomController::class, 'explode']);
Route::get('/exit', [BoomController::class, 'exitWorker']);
Route::get('/fatal', [BoomController::class, 'fatal']);
Route::get('/exhaust', [BoomController::class, 'exhaust']);
Route::get('/crash', [BoomController::class, 'crash']);
Route::match(['POST', 'PUT', 'PATCH'], '/form', [FormController::class, 'submit']);
Route::post('/upload', [UploadController::class, 'store']);
Route::get('/stream', [StreamController::class, 'show']);
Route::get('/defer', [DeferController::class, 'show']);
