<?php

declare(strict_types=1);

namespace Askr\Runtime\Laravel\Reset;

use Carbon\Carbon;
use Illuminate\Foundation\Application;
use Illuminate\Http\Request;

/** App::setLocale() in one request does not change the language of the next. */
final class FlushLocale implements StateReset
{
    public function prepare(Application $sandbox, Request $request): void
    {
        $config = $sandbox->make('config');
        $locale = (string) $config->get('app.locale', 'en');
        if ($sandbox->resolved('translator')) {
            $translator = $sandbox->make('translator');
            if ($translator->getLocale() !== $locale) {
                $translator->setLocale($locale);
            }
            $fallback = (string) $config->get('app.fallback_locale', 'en');
            if ($translator->getFallback() !== $fallback) {
                $translator->setFallback($fallback);
            }
        }
        // Carbon::setLocale() reloads translations: only when a request changed it.
        if (class_exists(Carbon::class) && Carbon::getLocale() !== $locale) {
            Carbon::setLocale($locale);
        }
    }
}
