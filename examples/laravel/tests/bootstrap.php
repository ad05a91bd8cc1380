<?php

require __DIR__ . '/../bootstrap/autoload.php';

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Tests\\', 6) !== 0) {
        return;
    }
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, 6)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
