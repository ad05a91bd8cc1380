<?php

declare(strict_types=1);

namespace Askr\Runtime\TestRunner;

use Askr\Runtime\Process\Libc;

/**
 * The warm test template: with the test bootstrap loaded, it forks one child
 * per `run` message from `askr test`, reaps them and reports each exit. It does
 * not schedule: the CLI decides what runs and how many at a time. In the
 * template serve() never returns; in a forked child it returns that child's
 * TestChild, so the child can leave the loop and run its file at top level.
 */
final class TestTemplate
{
    /** A SIGCHLD that lands just before select() is seen at the next wake-up at the latest. */
    private const SELECT_MICROS = 50_000;

    /** @var array<int, array{id: int, started: int|float}> running children by pid */
    private array $running = [];
    /** @var array<int, int> pid by job id */
    private array $pids = [];
    private ?float $stoppingSince = null;
    private bool $killed = false;

    /** @param array<string, mixed> $ready facts for the `ready` message */
    public function __construct(
        private readonly TestConfig $config,
        private readonly TestControl $control,
        private readonly array $ready,
    ) {
    }

    public function serve(): TestChild
    {
        pcntl_async_signals(true);
        // The handler only needs to exist: SIGCHLD then interrupts stream_select.
        pcntl_signal(SIGCHLD, static function (): void {
        });
        $stop = function (): void {
            $this->stop();
        };
        pcntl_signal(SIGTERM, $stop);
        pcntl_signal(SIGINT, $stop);
        // A CLI that went away must read as end of file, not kill the template mid-clean-up.
        pcntl_signal(SIGPIPE, SIG_IGN);
        $this->control->send(['type' => 'ready', 'pid' => getmypid(), ...$this->ready]);

        while (true) {
            if ($this->control->closed()) {
                // Nothing left to read: wait for the children to go.
                usleep(self::SELECT_MICROS);
                $ready = 0;
            } else {
                $read = [$this->control->stream];
                $write = $except = null;
                $ready = @stream_select($read, $write, $except, 0, self::SELECT_MICROS);
            }
            $this->reap();
            if ($ready > 0 || $this->control->closed()) {
                foreach ($this->control->closed() ? [] : $this->control->receive() as $message) {
                    $child = $this->handle($message);
                    if ($child !== null) {
                        return $child;
                    }
                }
                if ($this->control->closed()) {
                    $this->stop();
                }
            }
            if ($this->stoppingSince !== null) {
                $this->finishStopping();
            }
        }
    }

    /** @param array<string, mixed> $message */
    private function handle(array $message): ?TestChild
    {
        switch ($message['type']) {
            case 'run':
                if ($this->stoppingSince !== null) {
                    return null;
                }
                return $this->fork(
                    (int) ($message['id'] ?? 0),
                    (string) ($message['file'] ?? ''),
                    (string) ($message['output'] ?? ''),
                    isset($message['junit']) && is_string($message['junit']) ? $message['junit'] : null,
                );
            case 'kill':
                $pid = $this->pids[(int) ($message['id'] ?? 0)] ?? null;
                if ($pid !== null) {
                    $this->killGroup($pid, (int) ($message['signal'] ?? SIGKILL));
                }
                return null;
            case 'stop':
                $this->stop();
                return null;
            default:
                throw new \RuntimeException('askr test: unknown control message "' . $message['type'] . '"');
        }
    }

    private function fork(int $id, string $file, string $output, ?string $junit): ?TestChild
    {
        $started = hrtime(true);
        $pid = pcntl_fork();
        if ($pid === -1) {
            $this->control->send(['type' => 'exited', 'id' => $id, 'pid' => 0, 'status' => null, 'signal' => null, 'ms' => 0, 'error' => 'fork failed']);
            return null;
        }
        if ($pid === 0) {
            return $this->becomeChild($file, $output, $junit);
        }
        // Also set here: the parent may signal the group before the child has run.
        @posix_setpgid($pid, $pid);
        $this->running[$pid] = ['id' => $id, 'started' => $started];
        $this->pids[$id] = $pid;
        // The CLI can then clean up the child's group itself if this template dies.
        $this->control->send(['type' => 'started', 'id' => $id, 'pid' => $pid]);
        return null;
    }

    private function becomeChild(string $file, string $output, ?string $junit): TestChild
    {
        $templatePid = posix_getppid();
        // Its own process group: stopping a test stops whatever it started.
        @posix_setpgid(0, 0);
        foreach ([SIGCHLD, SIGTERM, SIGINT, SIGPIPE] as $signal) {
            pcntl_signal($signal, SIG_DFL);
        }
        pcntl_async_signals(false);
        $this->control->closeInChild();
        $this->running = $this->pids = [];
        if (Libc::dieWithParent(SIGKILL) && posix_getppid() !== $templatePid) {
            exit(1);
        }
        $child = new TestChild($file, $this->config->runner ?? $file, $output, $junit, $this->config->root);
        $child->enter();
        return $child;
    }

    private function reap(): void
    {
        while (($pid = pcntl_waitpid(-1, $status, WNOHANG)) > 0) {
            $child = $this->running[$pid] ?? null;
            if ($child === null) {
                continue;
            }
            unset($this->running[$pid], $this->pids[$child['id']]);
            $this->control->send([
                'type' => 'exited',
                'id' => $child['id'],
                'pid' => $pid,
                'status' => pcntl_wifexited($status) ? pcntl_wexitstatus($status) : null,
                'signal' => pcntl_wifsignaled($status) ? pcntl_wtermsig($status) : null,
                'ms' => round((hrtime(true) - $child['started']) / 1e6, 3),
            ]);
        }
    }

    /** Stops every running test: SIGTERM to each group now, SIGKILL after the grace period. */
    private function stop(): void
    {
        if ($this->stoppingSince !== null) {
            return;
        }
        $this->stoppingSince = microtime(true);
        foreach (array_keys($this->running) as $pid) {
            $this->killGroup($pid, SIGTERM);
        }
    }

    private function finishStopping(): void
    {
        if ($this->running === []) {
            exit(0);
        }
        if (!$this->killed && microtime(true) - (float) $this->stoppingSince >= $this->config->graceSeconds) {
            $this->killed = true;
            foreach (array_keys($this->running) as $pid) {
                $this->killGroup($pid, SIGKILL);
            }
        }
    }

    private function killGroup(int $pid, int $signal): void
    {
        if (!@posix_kill(-$pid, $signal)) {
            @posix_kill($pid, $signal);
        }
    }
}
