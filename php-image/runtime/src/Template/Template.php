<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

use Askr\Runtime\Protocol\FrameCodec;
use Askr\Runtime\Protocol\FrameSocket;
use Askr\Runtime\Protocol\FrameType;
use Askr\Runtime\Protocol\ProtocolError;
use Askr\Runtime\Runtime;
use Askr\Runtime\Worker\WorkerConnection;

/**
 * The warm template: holds the booted app, listens on template.sock, forks
 * workers when a front process asks, kills them on request, reaps them and
 * reports every exit. In the parent, serve() never returns; in a forked child
 * it returns the child's role so that the child can leave the template's stack.
 */
final class Template
{
    /** @var resource */
    private $server;
    /** @var array<int, resource> control connections by id */
    private array $clients = [];
    /** @var array<int, string> partial frames by connection id */
    private array $buffers = [];
    /** @var array<int, array{client: int, tag: string}> children by pid */
    private array $children = [];
    private bool $childExited = false;
    private ?float $drainingSince = null;

    public function __construct(
        private readonly TemplateConfig $config,
        private readonly float $bootMs,
    ) {
    }

    public function serve(): ChildRole
    {
        $this->listen();
        pcntl_async_signals(true);
        pcntl_signal(SIGCHLD, function (): void {
            $this->childExited = true;
        });
        $drain = function (): void {
            $this->drainingSince ??= microtime(true);
        };
        pcntl_signal(SIGTERM, $drain);
        pcntl_signal(SIGINT, $drain);
        fwrite(STDERR, sprintf("askr template: %s mode, booted in %.1f ms, listening on %s\n", $this->config->mode(), $this->bootMs, $this->config->socketPath));

        while (true) {
            $role = $this->tick();
            if ($role !== null) {
                return $role;
            }
        }
    }

    private function listen(): void
    {
        if (!is_dir($this->config->runDir)) {
            mkdir($this->config->runDir, 0770, true);
        }
        if (file_exists($this->config->socketPath)) {
            unlink($this->config->socketPath);
        }
        $server = stream_socket_server('unix://' . $this->config->socketPath, $errno, $error);
        if ($server === false) {
            throw new \RuntimeException("askr: cannot listen on {$this->config->socketPath}: $error");
        }
        // The sidecar may run as another user in its own container.
        chmod($this->config->socketPath, 0666);
        $this->server = $server;
    }

    private function tick(): ?ChildRole
    {
        $read = [$this->server, ...array_values($this->clients)];
        $write = $except = null;
        $ready = @stream_select($read, $write, $except, 0, 250_000);
        $this->reap();
        if ($this->drainingSince !== null && $this->drainDone()) {
            $this->shutdown();
        }
        if ($ready === false || $ready === 0) {
            return null;
        }
        foreach ($read as $stream) {
            if ($stream === $this->server) {
                $this->accept();
                continue;
            }
            $id = (int) $stream;
            $role = $this->readClient($id);
            if ($role !== null) {
                return $role;
            }
        }
        return null;
    }

    private function accept(): void
    {
        $conn = @stream_socket_accept($this->server, 0);
        if ($conn === false) {
            return;
        }
        stream_set_blocking($conn, true);
        $id = (int) $conn;
        $this->clients[$id] = $conn;
        $this->buffers[$id] = '';
        $this->send($id, FrameType::TEMPLATE_HELLO, [
            'pid' => getmypid(),
            'mode' => $this->config->mode(),
            'php' => PHP_VERSION,
            'bootMs' => round($this->bootMs, 3),
            'root' => $this->config->root,
            'workerScript' => $this->config->workerScript,
            'opcache' => function_exists('opcache_get_status') && opcache_get_status(false) !== false,
            // Workers forked for an earlier connection (a sidecar that restarted) will reconnect.
            'children' => count($this->children),
        ]);
    }

    private function readClient(int $id): ?ChildRole
    {
        $data = @fread($this->clients[$id], 65536);
        if ($data === false || $data === '') {
            if ($data === false || feof($this->clients[$id])) {
                $this->dropClient($id);
            }
            return null;
        }
        $this->buffers[$id] .= $data;
        while (strlen($this->buffers[$id]) >= 5) {
            $h = unpack('Ctype/Nlength', $this->buffers[$id]);
            if ($h['length'] > 1 << 20) {
                $this->dropClient($id);
                return null;
            }
            if (strlen($this->buffers[$id]) < 5 + $h['length']) {
                break;
            }
            $payload = substr($this->buffers[$id], 5, $h['length']);
            $this->buffers[$id] = (string) substr($this->buffers[$id], 5 + $h['length']);
            try {
                $role = $this->handle($id, $h['type'], FrameCodec::decodeJson($payload === '' ? '{}' : $payload));
            } catch (ProtocolError $e) {
                fwrite(STDERR, 'askr template: ' . $e->getMessage() . "\n");
                $this->dropClient($id);
                return null;
            }
            if ($role !== null) {
                return $role;
            }
        }
        return null;
    }

    /** @param array<string, mixed> $msg */
    private function handle(int $id, int $type, array $msg): ?ChildRole
    {
        switch ($type) {
            case FrameType::SPAWN:
                if ($this->drainingSince !== null) {
                    return null;
                }
                $count = max(0, min(256, (int) ($msg['count'] ?? 1)));
                for ($i = 0; $i < $count; $i++) {
                    $role = $this->fork($id, (string) ($msg['socket'] ?? ''), (string) ($msg['tag'] ?? ''));
                    if ($role !== null) {
                        return $role;
                    }
                }
                return null;
            case FrameType::KILL:
                $pid = (int) ($msg['pid'] ?? 0);
                if (isset($this->children[$pid])) {
                    posix_kill($pid, (int) ($msg['signal'] ?? SIGKILL));
                }
                return null;
            default:
                throw new ProtocolError(sprintf('unexpected frame 0x%02x on template.sock', $type));
        }
    }

    private function fork(int $client, string $socket, string $tag): ?ChildRole
    {
        $started = hrtime(true);
        $pid = pcntl_fork();
        if ($pid === -1) {
            fwrite(STDERR, "askr template: fork failed\n");
            return null;
        }
        if ($pid === 0) {
            return $this->becomeChild($socket, $tag);
        }
        $this->children[$pid] = ['client' => $client, 'tag' => $tag];
        $this->send($client, FrameType::SPAWNED, [
            'pid' => $pid,
            'tag' => $tag,
            'forkMs' => round((hrtime(true) - $started) / 1e6, 3),
        ]);
        return null;
    }

    private function becomeChild(string $socket, string $tag): ChildRole
    {
        foreach ([SIGCHLD, SIGTERM, SIGINT] as $signal) {
            pcntl_signal($signal, SIG_DFL);
        }
        pcntl_async_signals(false);
        // Close our copies only: the parent keeps its sockets open.
        fclose($this->server);
        foreach ($this->clients as $conn) {
            fclose($conn);
        }
        $this->clients = $this->buffers = $this->children = [];
        Runtime::resetForChild();
        // Children must not replay the template's random sequence.
        mt_srand(random_int(0, PHP_INT_MAX));
        Runtime::runAfterForkHooks();
        $connection = new WorkerConnection(FrameSocket::connect($socket, 10.0));
        Runtime::becomeWorker($connection);
        return new ChildRole($tag, $socket, $connection);
    }

    private function reap(): void
    {
        if (!$this->childExited && $this->children === []) {
            return;
        }
        $this->childExited = false;
        while (($pid = pcntl_waitpid(-1, $status, WNOHANG)) > 0) {
            $child = $this->children[$pid] ?? null;
            unset($this->children[$pid]);
            $report = [
                'pid' => $pid,
                'tag' => $child['tag'] ?? '',
                'status' => pcntl_wifexited($status) ? pcntl_wexitstatus($status) : null,
                'signal' => pcntl_wifsignaled($status) ? pcntl_wtermsig($status) : null,
            ];
            $targets = $child !== null && isset($this->clients[$child['client']]) ? [$child['client']] : array_keys($this->clients);
            foreach ($targets as $id) {
                $this->send($id, FrameType::EXITED, $report);
            }
        }
    }

    private function drainDone(): bool
    {
        if ($this->children === []) {
            return true;
        }
        if (microtime(true) - (float) $this->drainingSince > $this->config->graceSeconds) {
            foreach (array_keys($this->children) as $pid) {
                posix_kill($pid, SIGKILL);
            }
            return true;
        }
        return false;
    }

    private function shutdown(): never
    {
        @unlink($this->config->socketPath);
        exit(0);
    }

    /** @param array<string, mixed> $data */
    private function send(int $id, int $type, array $data): void
    {
        $conn = $this->clients[$id] ?? null;
        if ($conn === null) {
            return;
        }
        $frame = FrameCodec::encodeJson($type, $data);
        $n = @fwrite($conn, $frame);
        if ($n !== strlen($frame)) {
            $this->dropClient($id);
        }
    }

    private function dropClient(int $id): void
    {
        if (isset($this->clients[$id])) {
            @fclose($this->clients[$id]);
        }
        unset($this->clients[$id], $this->buffers[$id]);
    }
}
