<?php

declare(strict_types=1);

namespace Askr\Runtime\Tests;

use Askr\Runtime\Classic\ProcessSnapshot;
use PHPUnit\Framework\TestCase;

/**
 * The checks that decide whether a classic process may serve another request
 * (it runs inside PHPUnit's process, whose globals and includes stand in for a
 * classic process's top level).
 */
final class ProcessSnapshotTest extends TestCase
{
    /** @var list<string> */
    private array $files = [];

    protected function tearDown(): void
    {
        foreach ($this->files as $file) {
            @unlink($file);
        }
    }

    private function script(string $code): string
    {
        $file = (string) tempnam(sys_get_temp_dir(), 'askr-snapshot-');
        file_put_contents($file, $code);
        $this->files[] = $file;
        return $file;
    }

    /** One request: the entry script runs, then the process is checked. */
    private function request(ProcessSnapshot $snapshot, string $entry): bool
    {
        include $entry;
        return $snapshot->restore($entry);
    }

    public function testACleanRequestLeavesTheProcessReusableRequestAfterRequest(): void
    {
        $entry = $this->script('<?php echo "";');
        $snapshot = new ProcessSnapshot(ob_get_level());
        for ($i = 0; $i < 3; $i++) {
            self::assertTrue($this->request($snapshot, $entry));
        }
    }

    public function testGlobalsARequestCreatedAreRemoved(): void
    {
        $entry = $this->script('<?php $GLOBALS["askrSnapshotLeftover"] = 1;');
        $snapshot = new ProcessSnapshot(ob_get_level());
        self::assertTrue($this->request($snapshot, $entry));
        self::assertArrayNotHasKey('askrSnapshotLeftover', $GLOBALS);
    }

    public function testAFileIncludedDuringTheRequestMakesItUnreusableEvenAfterCleanRequests(): void
    {
        $entry = $this->script('<?php echo "";');
        $snapshot = new ProcessSnapshot(ob_get_level());
        // Steady state first, so the included-file count is remembered.
        self::assertTrue($this->request($snapshot, $entry));
        self::assertTrue($this->request($snapshot, $entry));
        $other = $this->script('<?php return 1;');
        self::assertSame(1, include $other);
        self::assertFalse($snapshot->restore($entry));
    }

    public function testAnOutputBufferLeftOpenMakesItUnreusable(): void
    {
        $entry = $this->script('<?php echo "";');
        $snapshot = new ProcessSnapshot(ob_get_level());
        self::assertTrue($this->request($snapshot, $entry));
        ob_start();
        try {
            self::assertFalse($this->request($snapshot, $entry));
        } finally {
            ob_end_clean();
        }
    }
}
