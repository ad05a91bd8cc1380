<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

/**
 * Builds Set-Cookie values byte for byte as PHP's setcookie()/setrawcookie() do
 * (ext/standard/head.c, php_setcookie).
 */
final class CookieHeader
{
    private const OPTION_KEYS = ['expires', 'path', 'domain', 'secure', 'httponly', 'samesite'];

    /**
     * @param array<string, mixed>|int $expiresOrOptions
     */
    public static function build(
        string $function,
        string $name,
        string $value,
        array|int $expiresOrOptions,
        string $path,
        string $domain,
        bool $secure,
        bool $httponly,
        bool $urlEncode,
    ): string {
        $sameSite = '';
        $expires = 0;
        if (is_array($expiresOrOptions)) {
            foreach ($expiresOrOptions as $key => $opt) {
                $k = strtolower((string) $key);
                if (!in_array($k, self::OPTION_KEYS, true)) {
                    throw new \ValueError("$function(): option \"$key\" is invalid");
                }
                match ($k) {
                    'expires' => $expires = (int) $opt,
                    'path' => $path = (string) $opt,
                    'domain' => $domain = (string) $opt,
                    'secure' => $secure = (bool) $opt,
                    'httponly' => $httponly = (bool) $opt,
                    'samesite' => $sameSite = (string) $opt,
                };
            }
        } else {
            $expires = $expiresOrOptions;
        }

        if ($name === '') {
            throw new \ValueError("$function(): Argument #1 (\$name) cannot be empty");
        }
        if (strpbrk($name, "=,; \t\r\n\013\014") !== false) {
            throw new \ValueError("$function(): Argument #1 (\$name) cannot contain \"=\", \",\", \";\", \" \", \"\\t\", \"\\r\", \"\\n\", \"\\013\", or \"\\014\"");
        }
        if (!$urlEncode && strpbrk($value, ",; \t\r\n\013\014") !== false) {
            throw new \ValueError("$function(): Argument #2 (\$value) cannot contain \",\", \";\", \" \", \"\\t\", \"\\r\", \"\\n\", \"\\013\", or \"\\014\"");
        }
        foreach (['path' => $path, 'domain' => $domain] as $what => $v) {
            if (strpbrk($v, ",; \t\r\n\013\014") !== false) {
                throw new \ValueError("$function(): \"$what\" option cannot contain \",\", \";\", \" \", \"\\t\", \"\\r\", \"\\n\", \"\\013\", or \"\\014\"");
            }
        }

        if ($value === '') {
            // PHP deletes a cookie by sending it expired with a placeholder value.
            $out = $name . '=deleted; expires=' . gmdate('D, d M Y H:i:s \G\M\T', 1) . '; Max-Age=0';
        } else {
            $out = $name . '=' . ($urlEncode ? rawurlencode($value) : $value);
            if ($expires > 0) {
                if ((int) gmdate('Y', $expires) > 9999) {
                    throw new \ValueError("$function(): \"expires\" option cannot have a year greater than 9999");
                }
                $out .= '; expires=' . gmdate('D, d M Y H:i:s \G\M\T', $expires);
                $out .= '; Max-Age=' . max(0, $expires - time());
            }
        }
        if ($path !== '') {
            $out .= '; path=' . $path;
        }
        if ($domain !== '') {
            $out .= '; domain=' . $domain;
        }
        if ($secure) {
            $out .= '; secure';
        }
        if ($httponly) {
            $out .= '; HttpOnly';
        }
        if ($sameSite !== '') {
            $out .= '; SameSite=' . $sameSite;
        }
        return $out;
    }
}
