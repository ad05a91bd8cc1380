<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Illuminate\Foundation\Application;
use Illuminate\Http\Request;
use Illuminate\Pagination\Paginator;

/** The paginator reads the page and path from this request, not the one of boot time. */
final class GiveRequestToPaginator implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        if (!class_exists(Paginator::class)) {
            return;
        }
        Paginator::currentPathResolver(static fn () => $request->url());
        Paginator::currentPageResolver(static function (string $pageName = 'page') use ($request) {
            $page = $request->input($pageName);
            return filter_var($page, FILTER_VALIDATE_INT) !== false && (int) $page >= 1 ? (int) $page : 1;
        });
        Paginator::queryStringResolver(static fn () => $request->query());
    }
}
