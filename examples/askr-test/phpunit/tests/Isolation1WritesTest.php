<?php

declare(strict_types=1);

use AskrExample\PhpUnit\Registry;
use PHPUnit\Framework\TestCase;

/** Leaves state behind on purpose; Isolation2ReadsTest checks that it does not see it. */
final class Isolation1WritesTest extends TestCase
{
    public function testWritesStaticState(): void
    {
        Registry::$entries['written-by'] = self::class;
        $this->assertCount(1, Registry::$entries);
    }

    public function testWritesAGlobalAndAConstant(): void
    {
        $GLOBALS['askr_phpunit_leak'] = true;
        define('ASKR_PHPUNIT_LEAK', true);
        $this->assertTrue(ASKR_PHPUNIT_LEAK);
    }
}
