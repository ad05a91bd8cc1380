<?php

/*
 * Stands in for Composer's vendor/autoload.php: Debian's packaged Laravel
 * (php-laravel-framework) brings its own autoloader, which loads every
 * dependency's autoloader through the include_path; the app's own classes are
 * loaded PSR-4 from app/.
 */

require_once '/usr/share/php/Illuminate/autoload.php';

// The Askr runtime (askr_* functions, the `askr` broadcast driver), as an app
// built on the Askr image loads /opt/askr/runtime/bootstrap.php. askr serve and
// askr test have loaded it already; php artisan, PHPUnit and PHP-FPM have not.
if (!function_exists('askr_broadcast')) {
    require_once __DIR__ . '/../../../php-image/runtime/bootstrap.php';
}

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'App\\', 4) !== 0) {
        return;
    }
    $file = __DIR__ . '/../app/' . str_replace('\\', '/', substr($class, 4)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
