<?php

declare(strict_types=1);

// Debian's nyholm/psr7 (php-nyholm-psr7) brings PSR-7 and PSR-17; the PSR-15
// interfaces and the app's classes load from lib/ and src/.
require_once '/usr/share/php/Nyholm/Psr7/autoload.php';

spl_autoload_register(static function (string $class): void {
    foreach (['Psr\\Http\\Server\\' => __DIR__ . '/lib/Psr/Http/Server/', 'Example\\' => __DIR__ . '/src/'] as $prefix => $dir) {
        if (str_starts_with($class, $prefix)) {
            $file = $dir . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
        }
    }
});
