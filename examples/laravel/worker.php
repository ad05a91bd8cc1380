<?php

/*
 * Worker mode: the Askr template requires this file once, at boot, and serves
 * every request with the handler it returns.
 *
 *   askr serve --root examples/laravel/public --worker-script examples/laravel/worker.php
 */

require __DIR__ . '/bootstrap/autoload.php';

return Askr\Runtime\Laravel\LaravelHandler::boot(__DIR__);
