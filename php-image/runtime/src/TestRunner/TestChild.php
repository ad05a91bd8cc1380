<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

use Askr\Runtime\Process\Libc;

/**
 * One test file's process, once it has been forked from the test template and
 * has left the template's loop: it points its output at its capture file and
 * makes the process look as if `php <script> <file>` had started it. The
 * template's top level then includes script() in global scope.
 */
final class TestChild
{
    private static ?self $current = null;

    /**
     * @param string      $file   the test file (absolute)
     * @param string      $script what runs: the runner, or the test file itself
     * @param string      $output capture file for fd 1 and fd 2 ('' keeps the template's stdio)
     * @param string|null $junit  where a runner should write a JUnit log of this file, if anywhere
     */
    public function __construct(
        public readonly string $file,
        public readonly string $script,
        public readonly string $output,
        public readonly ?string $junit,
        public readonly string $root,
    ) {
    }

    /** The script the child is to include: the runner, or the test file. */
    public static function script(): string
    {
        if (self::$current === null) {
            throw new \LogicException('askr test: no test child in this process');
        }
        return self::$current->script;
    }

    /** Sets up the process for the test; called once, right after the fork. */
    public function enter(): void
    {
        self::$current = $this;
        if ($this->output !== '' && !Libc::redirectOutput($this->output)) {
            fwrite(STDERR, "askr test: cannot capture the output of {$this->file}\n");
        }
        if (!is_file($this->script)) {
            // As `php missing.php` does; an include of a missing file would only warn and "pass".
            fwrite(STDERR, "Could not open input file: {$this->script}\n");
            exit(1);
        }
        // A child must not replay the template's random sequence.
        mt_srand(random_int(0, PHP_INT_MAX));
        // The template's own inputs are none of the test's business.
        foreach (['ASKR_TEST_CONTROL_FD', 'ASKR_TEST_GRACE'] as $name) {
            putenv($name);
            unset($_ENV[$name], $_SERVER[$name]);
        }

        $env = ['ASKR_TEST_FILE' => $this->file, 'ASKR_APP_BASE' => $this->root];
        if ($this->junit !== null) {
            $env['ASKR_TEST_JUNIT_LOG'] = $this->junit;
        }
        foreach ($env as $name => $value) {
            putenv("$name=$value");
            $_ENV[$name] = $_SERVER[$name] = $value;
        }
        $argv = $this->script === $this->file ? [$this->file] : [$this->script, $this->file];
        $now = microtime(true);
        $_SERVER['argv'] = $GLOBALS['argv'] = $argv;
        $_SERVER['argc'] = $GLOBALS['argc'] = count($argv);
        $_SERVER['SCRIPT_NAME'] = $_SERVER['SCRIPT_FILENAME'] = $_SERVER['PHP_SELF'] = $_SERVER['PATH_TRANSLATED'] = $this->script;
        $_SERVER['REQUEST_TIME_FLOAT'] = $now;
        $_SERVER['REQUEST_TIME'] = (int) $now;
    }
}
