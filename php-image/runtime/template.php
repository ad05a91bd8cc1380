<?php

declare(strict_types=1);

/*
 * The Askr PHP template. It boots the app once (worker mode: the script in
 * ASKR_WORKER_SCRIPT; classic mode: warms opcache over ASKR_ROOT), then forks
 * warm workers when the sidecar asks. Children leave the template's loop and
 * continue below: worker mode serves requests in a loop; classic mode runs one
 * script in global scope, as PHP-FPM does.
 */

require __DIR__ . '/bootstrap.php';

use Askr\Runtime\Classic\ClassicRequest;
use Askr\Runtime\Template\PhpFlags;
use Askr\Runtime\Template\Template;
use Askr\Runtime\Template\TemplateConfig;
use Askr\Runtime\Template\Warmup;
use Askr\Runtime\Worker\FlushHook;
use Askr\Runtime\Worker\HandlerFactory;
use Askr\Runtime\Worker\WorkerLoop;

PhpFlags::reexecIfNeeded(__FILE__, $argv);
// The first shutdown function of every child, ahead of any the app registers at boot: after an
// out-of-memory error PHP has dropped the output buffers, and the shutdown functions' output
// (the app's error page, the runtime's completion of the response) must still reach the client.
register_shutdown_function([FlushHook::class, 'reinstallBuffer']);

try {
    $__askr_config = TemplateConfig::fromEnvironment(getenv());
} catch (\InvalidArgumentException $__askr_e) {
    fwrite(STDERR, $__askr_e->getMessage() . "\n");
    exit(2);
}

$__askr_boot = hrtime(true);
$__askr_handler = null;
if ($__askr_config->workerScript !== null) {
    $__askr_handler = HandlerFactory::from(require $__askr_config->workerScript, $__askr_config->workerScript);
} elseif ($__askr_config->warmOpcache) {
    Warmup::classic($__askr_config->root);
}
Askr\Runtime\Template\Preload::runtime();
// Headers PHP's own code sets (ext/session's cookie) go to the request's response, as under FPM.
Askr\Runtime\Process\Sapi::forwardHeaders(static function (string $line, bool $replace): void {
    Askr\Runtime\Runtime::response()->sapiHeader($line, $replace);
});
gc_collect_cycles();
$__askr_role = (new Template($__askr_config, (hrtime(true) - $__askr_boot) / 1e6))->serve();

// Only forked children reach this point.
if ($__askr_handler !== null) {
    (new WorkerLoop($__askr_handler, $__askr_role->connection, $__askr_config->root, $__askr_role->socketPath, $__askr_role->tag))->run();
}
ClassicRequest::setUp($__askr_role, $__askr_config);
unset($__askr_config, $__askr_boot, $__askr_handler, $__askr_role, $__askr_e, $argv, $argc);
// Global scope, as under PHP-FPM. A process loops only while its scripts leave nothing behind.
while (true) {
    ClassicRequest::begin();
    try {
        include ClassicRequest::script();
    } catch (\Throwable $__askr_e) {
        ClassicRequest::uncaught($__askr_e);
        unset($__askr_e);
    }
    ClassicRequest::end();
}
