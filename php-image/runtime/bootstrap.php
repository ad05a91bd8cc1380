<?php

declare(strict_types=1);

/*
 * Loads the Askr runtime: a PSR-4 autoloader for Askr\Runtime\ and the global
 * functions (askr_* and the replacements for the header() family, which the
 * template starts with disabled so that these definitions can take their place).
 */

spl_autoload_register(static function (string $class): void {
    if (strncmp($class, 'Askr\\Runtime\\', 13) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, 13)) . '.php';
    if (is_file($file)) {
        require $file;
    }
});

require_once __DIR__ . '/functions.php';
