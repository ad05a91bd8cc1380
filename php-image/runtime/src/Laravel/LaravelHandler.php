<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel;

use Askr\Runtime\Handler;
use Askr\Runtime\Laravel\Reset\FlushAuthentication;
use Askr\Runtime\Laravel\Reset\FlushLocale;
use Askr\Runtime\Laravel\Reset\FlushQueuedCookies;
use Askr\Runtime\Laravel\Reset\FlushScopedInstances;
use Askr\Runtime\Laravel\Reset\FlushSession;
use Askr\Runtime\Laravel\Reset\GiveRequestToPaginator;
use Askr\Runtime\Laravel\Reset\GiveSandboxToServices;
use Askr\Runtime\Laravel\Reset\RollBackDatabaseTransactions;
use Askr\Runtime\Laravel\Reset\SandboxConfiguration;
use Askr\Runtime\Laravel\Reset\StateReset;
use Askr\Runtime\Worker\RequestContext;
use Illuminate\Container\Container;
use Illuminate\Contracts\Http\Kernel as HttpKernel;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Support\Facades\Facade;
use Symfony\Component\HttpFoundation\BinaryFileResponse;
use Symfony\Component\HttpFoundation\ParameterBag;
use Symfony\Component\HttpFoundation\Request as SymfonyRequest;
use Symfony\Component\HttpFoundation\Response;
use Symfony\Component\HttpFoundation\StreamedResponse;

/**
 * Laravel in worker mode. The template boots the application once (service
 * providers registered and booted, common services resolved); each request
 * runs in a clone of that application — a sandbox whose container arrays are
 * copy-on-write — after the StateReset steps have pointed shared services at
 * it and dropped what the previous request left behind. The kernel's
 * terminate() work runs after the response has been sent.
 */
final class LaravelHandler implements Handler
{
    /**
     * Services resolved in the template so every worker starts with them built.
     * Only services that are request-independent, or that follow the request
     * through Laravel's own rebinding (the URL generator), may be here: the
     * redirector, for one, captures the session store it was built with.
     */
    private const WARM = [
        'auth', 'cache', 'cache.store', 'config', 'cookie', 'encrypter', 'events', 'files', 'hash',
        'log', 'router', 'routes', 'session', 'translator', 'url', 'view', 'blade.compiler',
    ];

    /** @var list<StateReset> */
    private array $resets;

    private function __construct(
        private readonly Application $app,
        private readonly HttpKernel $kernel,
    ) {
        $this->resets = [
            new GiveSandboxToServices(),
            new SandboxConfiguration(),
            new FlushScopedInstances(),
            new FlushAuthentication(),
            new FlushSession(),
            new FlushQueuedCookies(),
            new FlushLocale(),
            new GiveRequestToPaginator(),
            new RollBackDatabaseTransactions(),
        ];
    }

    /**
     * Boots the app whose bootstrap/app.php is under $basePath (the usual
     * Laravel layout) and returns the handler a worker script returns.
     */
    public static function boot(string $basePath): self
    {
        // The PHP binary is the CLI, but this app serves HTTP: Laravel asks the environment before
        // PHP_SAPI (as under Octane), and answers a fatal error with its error page, not a console
        // report. An explicit setting wins.
        if (getenv('APP_RUNNING_IN_CONSOLE') === false && !isset($_ENV['APP_RUNNING_IN_CONSOLE']) && !isset($_SERVER['APP_RUNNING_IN_CONSOLE'])) {
            $_ENV['APP_RUNNING_IN_CONSOLE'] = 'false';
            $_SERVER['APP_RUNNING_IN_CONSOLE'] = 'false';
        }
        /** @var Application $app */
        $app = require rtrim($basePath, '/') . '/bootstrap/app.php';
        $kernel = $app->make(HttpKernel::class);
        $app->bootstrapWith(self::bootstrappers($kernel));
        // Some services (the URL generator) need a request to be built; each real
        // request replaces this one through the container's rebinding callbacks.
        $app->instance('request', Request::create((string) $app->make('config')->get('app.url', 'http://localhost')));
        foreach (self::WARM as $service) {
            if ($app->bound($service)) {
                try {
                    $app->make($service);
                } catch (\Throwable) {
                    // A service the app does not configure: it resolves on demand instead.
                }
            }
        }
        if ($app->bound('session')) {
            // Nothing session-specific may be built in the template.
            $app->make('session')->forgetDrivers();
            $app->forgetInstance('session.store');
        }
        return new self($app, $kernel);
    }

    /** @return list<class-string> */
    private static function bootstrappers(HttpKernel $kernel): array
    {
        $method = new \ReflectionMethod($kernel, 'bootstrappers');
        $method->setAccessible(true);
        return $method->invoke($kernel);
    }

    public function application(): Application
    {
        return $this->app;
    }

    public function handle(RequestContext $ctx): void
    {
        $request = self::request($ctx);
        $sandbox = clone $this->app;
        $this->enter($sandbox);
        try {
            foreach ($this->resets as $reset) {
                $reset->prepare($sandbox, $request);
            }
            $response = $this->kernel->handle($request);
            $this->emit($ctx, $response);
            $kernel = $this->kernel;
            // terminate() (terminable middleware, terminating callbacks) runs after the
            // client has its response, like fastcgi_finish_request() under PHP-FPM.
            array_unshift($ctx->deferred, function () use ($kernel, $request, $response, $sandbox): void {
                $this->enter($sandbox);
                try {
                    $kernel->terminate($request, $response);
                } finally {
                    $this->leave($sandbox);
                }
            });
        } finally {
            $this->leave($sandbox, false);
        }
    }

    private function enter(Application $sandbox): void
    {
        Container::setInstance($sandbox);
        $sandbox->instance('app', $sandbox);
        $sandbox->instance(Container::class, $sandbox);
        $sandbox->instance(Application::class, $sandbox);
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication($sandbox);
    }

    private function leave(Application $sandbox, bool $flush = true): void
    {
        if ($flush) {
            $sandbox->flush();
        }
        Container::setInstance($this->app);
        Facade::clearResolvedInstances();
        Facade::setFacadeApplication($this->app);
    }

    private static function request(RequestContext $ctx): Request
    {
        $content = $ctx->multipart ? '' : $ctx->body->contents();
        $symfony = new SymfonyRequest($_GET, $_POST, [], $_COOKIE, $_FILES, $_SERVER, $content);
        $method = strtoupper((string) ($_SERVER['REQUEST_METHOD'] ?? 'GET'));
        $type = (string) ($_SERVER['CONTENT_TYPE'] ?? '');
        // As Request::createFromGlobals(): form bodies of PUT/PATCH/DELETE become input.
        if (str_starts_with($type, 'application/x-www-form-urlencoded') && in_array($method, ['PUT', 'DELETE', 'PATCH'], true)) {
            parse_str($content, $data);
            $symfony->request = new ParameterBag($data);
        }
        return Request::createFromBase($symfony);
    }

    private function emit(RequestContext $ctx, Response $response): void
    {
        $state = $ctx->response;
        $state->setStatus($response->getStatusCode());
        foreach ($response->headers->allPreserveCaseWithoutCookies() as $name => $values) {
            foreach ($values as $value) {
                $state->headers[] = [(string) $name, (string) $value];
            }
        }
        foreach ($response->headers->getCookies() as $cookie) {
            $state->headers[] = ['Set-Cookie', (string) $cookie];
        }
        if ($response instanceof StreamedResponse || $response instanceof BinaryFileResponse) {
            $response->sendContent();
            return;
        }
        echo $response->getContent();
    }
}
