<?php

/*
 * The test bootstrap: PHPUnit loads it once per process (phpunit.xml), and
 * `askr test` loads it once in its template, before forking a process per file.
 */

require_once __DIR__ . '/../bootstrap/autoload.php';

// The askr_* functions the app calls (askr_defer, askr_cache_forget_tag). Under
// `askr test` the runtime is already loaded; for plain phpunit, take it from this
// checkout. Outside a request they act at once.
if (!function_exists('askr_defer') && is_file(__DIR__ . '/../../../php-image/runtime/bootstrap.php')) {
    require_once __DIR__ . '/../../../php-image/runtime/bootstrap.php';
}

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Tests\\', 6) !== 0) {
        return;
    }
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 6)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});

// Boot the app once and serve one page of each middleware group, then throw it
// all away: the framework's classes stay declared (and compiled), so no test —
// and, under `askr test`, no forked process — loads them again. Every test still
// builds its own application (Tests\TestCase::createApplication()).
(static function (): void {
    $app = require __DIR__ . '/../bootstrap/app.php';
    $app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
    $kernel = $app->make(Illuminate\Contracts\Http\Kernel::class);
    foreach (['/posts', '/leak/session/get'] as $uri) {
        $request = Illuminate\Http\Request::create($uri);
        $kernel->terminate($request, $kernel->handle($request));
    }
    $app->flush();
    Illuminate\Support\Facades\Facade::clearResolvedInstances();
    Illuminate\Container\Container::setInstance(null);
})();
