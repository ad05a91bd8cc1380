<?php

declare(strict_types=1);

use AskrExample\PhpUnit\Registry;
use PHPUnit\Framework\TestCase;

/** Passes only in a process that never ran Isolation1WritesTest. */
final class Isolation2ReadsTest extends TestCase
{
    public function testSeesNoStaticState(): void
    {
        $this->assertSame([], Registry::$entries);
    }

    public function testSeesNoGlobal(): void
    {
        $this->assertArrayNotHasKey('askr_phpunit_leak', $GLOBALS);
    }

    public function testSeesNoConstant(): void
    {
        $this->assertFalse(defined('ASKR_PHPUNIT_LEAK'));
    }

    public function testSeesNoClassFromAnotherFile(): void
    {
        $this->assertFalse(class_exists('Isolation1WritesTest', false));
    }
}
