<?php

declare(strict_types=1);

namespace Askr\Runtime\Template;

/**
 * The template's settings, read from ASKR_* environment variables (the same
 * names the sidecar and the operator use).
 */
final class TemplateConfig
{
    public function __construct(
        public readonly string $runDir,
        public readonly string $socketPath,
        public readonly ?string $workerScript,
        public readonly string $root,
        public readonly float $graceSeconds,
        public readonly bool $warmOpcache,
    ) {
    }

    /** @param array<string, string> $env */
    public static function fromEnvironment(array $env): self
    {
        $runDir = rtrim($env['ASKR_RUN_DIR'] ?? (sys_get_temp_dir() . '/askr'), '/');
        $script = $env['ASKR_WORKER_SCRIPT'] ?? '';
        $root = $env['ASKR_ROOT'] ?? (string) getcwd();
        $resolvedRoot = realpath($root);
        if ($resolvedRoot === false || !is_dir($resolvedRoot)) {
            throw new \InvalidArgumentException("askr: ASKR_ROOT (--root) is not a directory: $root");
        }
        if ($script !== '') {
            $resolved = realpath($script);
            if ($resolved === false || !is_file($resolved)) {
                throw new \InvalidArgumentException("askr: ASKR_WORKER_SCRIPT (--worker-script) is not a file: $script");
            }
            $script = $resolved;
        }
        return new self(
            runDir: $runDir,
            socketPath: $env['ASKR_TEMPLATE_SOCKET'] ?? ($runDir . '/template.sock'),
            workerScript: $script === '' ? null : $script,
            root: $resolvedRoot,
            graceSeconds: (float) ($env['ASKR_TEMPLATE_GRACE'] ?? '60'),
            warmOpcache: ($env['ASKR_WARM_OPCACHE'] ?? '1') !== '0',
        );
    }

    public function mode(): string
    {
        return $this->workerScript === null ? 'classic' : 'worker';
    }
}
