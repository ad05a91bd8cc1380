<?php

declare(strict_types=1);

/*
 * What `php artisan config:cache`, `route:cache` and `view:cache` do, for a
 * Laravel app whose artisan cannot start its console (the example registers no
 * database, and Artisan resolves every command, db ones included, at start).
 * The cache files go where APP_CONFIG_CACHE, APP_ROUTES_CACHE and
 * VIEW_COMPILED_PATH point, so the benchmark never writes into the checkout's
 * bootstrap/cache and the tests keep seeing the live app.
 *
 *   APP_CONFIG_CACHE=… APP_ROUTES_CACHE=… VIEW_COMPILED_PATH=… php laravel-optimize.php APP_DIR
 *
 * Prints one JSON line: the files written.
 */

$base = rtrim($argv[1] ?? '', '/');
if ($base === '' || !is_file("$base/bootstrap/app.php")) {
    fwrite(STDERR, "usage: php laravel-optimize.php LARAVEL_APP_DIR\n");
    exit(2);
}
foreach (['APP_CONFIG_CACHE', 'APP_ROUTES_CACHE', 'VIEW_COMPILED_PATH'] as $name) {
    if ((string) getenv($name) === '') {
        fwrite(STDERR, "laravel-optimize: $name must be set (the cache must not land in the checkout)\n");
        exit(2);
    }
}

/** A freshly booted copy of the app, as the artisan commands use. */
$fresh = static function () use ($base) {
    $app = require "$base/bootstrap/app.php";
    $app->make(Illuminate\Contracts\Console\Kernel::class)->bootstrap();
    return $app;
};

// route:cache first: it needs the live configuration, not the cached one.
$app = $fresh();
$routes = $app['router']->getRoutes();
$routes->refreshNameLookups();
$routes->refreshActionLookups();
foreach ($routes as $route) {
    $route->prepareForSerialization();
}
$stub = file_get_contents(dirname((new ReflectionClass(Illuminate\Foundation\Console\RouteCacheCommand::class))->getFileName()) . '/stubs/routes.stub');
$routesFile = $app->getCachedRoutesPath();
file_put_contents($routesFile, str_replace('{{routes}}', var_export($routes->compile(), true), $stub));

// config:cache: the whole configuration as one array.
$app = $fresh();
$configFile = $app->getCachedConfigPath();
file_put_contents($configFile, '<?php return ' . var_export($app['config']->all(), true) . ';' . PHP_EOL);

// view:cache: every Blade template compiled ahead of the first request.
$app = $fresh();
$compiled = 0;
$blade = $app['blade.compiler'];
foreach ($app['config']->get('view.paths', []) as $path) {
    $files = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($path, FilesystemIterator::SKIP_DOTS));
    foreach ($files as $file) {
        if (str_ends_with($file->getFilename(), '.blade.php')) {
            $blade->compile($file->getPathname());
            $compiled++;
        }
    }
}

echo json_encode(['config' => $configFile, 'routes' => $routesFile, 'views' => $compiled, 'viewPath' => getenv('VIEW_COMPILED_PATH')]), "\n";
