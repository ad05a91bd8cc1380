<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

/**
 * Runs PHPUnit 9 (Debian's, or the app's own when its bootstrap already loaded
 * one) on a single test file, with the app's phpunit.xml or phpunit.xml.dist
 * when there is one. phpunit-runner.php calls run() in every forked child;
 * the test template calls warm() once, so that children inherit PHPUnit's
 * classes already declared.
 */
final class PhpUnitRunner
{
    /** Exit status when the runner cannot run at all (as PHPUnit's own EXCEPTION_EXIT). */
    public const CANNOT_RUN = 2;

    private const CONFIG_FILES = ['phpunit.xml', 'phpunit.xml.dist'];

    /** The app's PHPUnit configuration file, if it has one. */
    public static function configFile(string $root): ?string
    {
        foreach (self::CONFIG_FILES as $name) {
            if (is_file("$root/$name")) {
                return "$root/$name";
            }
        }
        return null;
    }

    /** The `bootstrap` of the app's configuration, as PHPUnit resolves it. */
    public static function configuredBootstrap(string $root): ?string
    {
        $config = self::configuration($root);
        if ($config === null || !$config->phpunit()->hasBootstrap()) {
            return null;
        }
        return $config->phpunit()->bootstrap();
    }

    /**
     * Applies the configuration's <php> section (ini settings, constants,
     * environment and server variables) in the template, before the bootstrap
     * is loaded: PHPUnit does the same, in that order, so the bootstrap sees
     * what it sees under plain `phpunit`. Children apply it again (idempotent).
     */
    public static function prepare(string $root): void
    {
        $config = self::configuration($root);
        if ($config !== null) {
            (new \PHPUnit\TextUI\XmlConfiguration\PhpHandler())->handle($config->php());
        }
    }

    private static function configuration(string $root): ?\PHPUnit\TextUI\XmlConfiguration\Configuration
    {
        $file = self::configFile($root);
        if ($file === null || !self::load($root)) {
            return null;
        }
        return (new \PHPUnit\TextUI\XmlConfiguration\Loader())->load($file);
    }

    /**
     * Makes PHPUnit's classes loadable: the app's own (Composer's vendor/, as
     * vendor/bin/phpunit would load it), else Debian's from the include path.
     * False when no PHPUnit 9 can be found (PHPUnit 10 has another entry point).
     */
    public static function load(?string $root = null): bool
    {
        if (!class_exists(\PHPUnit\TextUI\Command::class)) {
            if ($root !== null && is_dir("$root/vendor/phpunit/phpunit") && is_file("$root/vendor/autoload.php")) {
                require_once "$root/vendor/autoload.php";
            } elseif (!class_exists(\PHPUnit\Runner\Version::class, false)) {
                $autoload = stream_resolve_include_path('PHPUnit/Autoload.php');
                if ($autoload === false) {
                    return false;
                }
                require_once $autoload;
            }
        }
        // PHPUnit's process isolation (@runInSeparateProcess) loads the same autoloader in its child.
        if (!defined('PHPUNIT_COMPOSER_INSTALL')) {
            $composer = $root !== null && is_dir("$root/vendor/phpunit/phpunit") && is_file("$root/vendor/autoload.php");
            define('PHPUNIT_COMPOSER_INSTALL', $composer ? "$root/vendor/autoload.php" : 'PHPUnit/Autoload.php');
        }
        return class_exists(\PHPUnit\TextUI\Command::class);
    }

    /** PHPUnit's version, once load() succeeded. */
    public static function version(): ?string
    {
        return class_exists(\PHPUnit\Runner\Version::class) ? \PHPUnit\Runner\Version::id() : null;
    }

    /**
     * Declares the classes every PHPUnit run uses, in the template, so that no
     * child declares them again. Returns how many classes it declared.
     */
    public static function warm(string $root): int
    {
        if (!self::load($root)) {
            return 0;
        }
        $before = count(get_declared_classes()) + count(get_declared_interfaces()) + count(get_declared_traits());
        foreach (PhpUnitWarmList::CLASSES as $class) {
            try {
                class_exists($class) || interface_exists($class) || trait_exists($class);
            } catch (\Throwable) {
                // A class that needs something this PHP lacks is simply not preloaded.
            }
        }
        return count(get_declared_classes()) + count(get_declared_interfaces()) + count(get_declared_traits()) - $before;
    }

    /**
     * Runs PHPUnit on one file and returns its exit status (0 passed, 1 failed,
     * 2 errors or cannot run).
     *
     * @param string|null $junit where PHPUnit writes a JUnit log of this file
     */
    public static function run(string $root, string $file, ?string $junit, bool $colors = false): int
    {
        if ($file === '' || !is_file($file)) {
            fwrite(STDERR, "askr phpunit-runner: no such test file: $file (ASKR_TEST_FILE)\n");
            return self::CANNOT_RUN;
        }
        if (!self::load($root)) {
            $found = class_exists(\PHPUnit\Runner\Version::class) ? ' (found PHPUnit ' . \PHPUnit\Runner\Version::id() . ')' : '';
            fwrite(STDERR, "askr phpunit-runner: PHPUnit 9 is not installed$found (Debian: apt install phpunit)\n");
            return self::CANNOT_RUN;
        }
        if (!ini_get('date.timezone')) {
            ini_set('date.timezone', 'UTC');
        }
        $args = ['phpunit'];
        $config = self::configFile($root);
        array_push($args, ...($config !== null ? ['--configuration', $config] : ['--no-configuration']));
        if ($junit !== null && $junit !== '') {
            array_push($args, '--log-junit', $junit);
        }
        if ($colors) {
            $args[] = '--colors=always';
        }
        $args[] = $file;
        // @runInSeparateProcess replays every included file in a fresh PHP; the
        // runtime's files (this shim above all, which would run PHPUnit again) stay out.
        \PHPUnit\Util\ExcludeList::addDirectory(dirname(__DIR__, 2));
        $_SERVER['argv'] = $GLOBALS['argv'] = $args;
        $_SERVER['argc'] = $GLOBALS['argc'] = count($args);
        try {
            return (new \PHPUnit\TextUI\Command())->run($args, false);
        } catch (\Throwable $e) {
            fwrite(STDERR, $e->getMessage() . "\n");
            return self::CANNOT_RUN;
        }
    }
}
