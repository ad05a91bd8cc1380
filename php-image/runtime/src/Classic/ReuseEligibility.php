<?php

declare(strict_types=1);

namespace Askr\Runtime\Classic;

/**
 * Decides, by reading a script's tokens, whether it can leave anything behind
 * in the process that ran it. A classic process may serve the next request only
 * when its previous scripts could not: no declarations (functions, classes,
 * constants), no includes, no eval, no statics, no handlers or ini changes, no
 * dynamic calls that could do any of these. The check is conservative: anything
 * it does not know makes the script ineligible, which only costs a fresh fork.
 */
final class ReuseEligibility
{
    /** Functions an eligible script may call: pure, or the runtime's own header functions. */
    private const SAFE_FUNCTIONS = [
        'echo', 'print', 'printf', 'sprintf', 'vsprintf', 'number_format', 'implode', 'join', 'explode',
        'strlen', 'strtolower', 'strtoupper', 'ucfirst', 'lcfirst', 'ucwords', 'trim', 'ltrim', 'rtrim',
        'str_repeat', 'str_replace', 'str_pad', 'str_contains', 'str_starts_with', 'str_ends_with', 'str_split',
        'substr', 'substr_count', 'strpos', 'stripos', 'strrpos', 'strrev', 'strcmp', 'strcasecmp', 'wordwrap',
        'nl2br', 'htmlspecialchars', 'htmlentities', 'html_entity_decode', 'strip_tags', 'addslashes',
        'urlencode', 'rawurlencode', 'urldecode', 'rawurldecode', 'http_build_query', 'base64_encode', 'base64_decode',
        'json_encode', 'json_decode', 'serialize', 'md5', 'sha1', 'crc32', 'hash', 'bin2hex', 'hex2bin',
        'count', 'in_array', 'array_keys', 'array_values', 'array_merge', 'array_slice', 'array_reverse',
        'array_key_exists', 'array_search', 'array_sum', 'array_unique', 'array_flip', 'array_fill', 'array_combine',
        'array_column', 'array_chunk', 'array_pad', 'array_key_first', 'array_key_last', 'range', 'compact',
        'sort', 'rsort', 'ksort', 'krsort', 'asort', 'arsort',
        'intval', 'floatval', 'strval', 'boolval', 'is_int', 'is_string', 'is_array', 'is_numeric', 'is_null',
        'is_bool', 'is_float', 'gettype', 'get_debug_type', 'var_dump', 'print_r', 'var_export',
        'min', 'max', 'abs', 'round', 'floor', 'ceil', 'sqrt', 'pow', 'intdiv', 'fmod', 'pi',
        'date', 'gmdate', 'time', 'microtime', 'hrtime', 'mktime', 'strtotime', 'checkdate',
        'mt_rand', 'rand', 'random_int', 'random_bytes', 'uniqid', 'lcg_value',
        'getmypid', 'gethostname', 'php_sapi_name', 'phpversion', 'memory_get_usage', 'memory_get_peak_usage',
        'usleep', 'sleep', 'getenv', 'file_get_contents',
        'header', 'headers_list', 'header_remove', 'headers_sent', 'http_response_code', 'setcookie', 'setrawcookie', 'flush',
        'ob_start', 'ob_get_clean', 'ob_end_clean', 'ob_end_flush', 'ob_get_contents', 'ob_get_level', 'ob_flush',
        'askr_defer', 'askr_broadcast', 'askr_cache_forget_tag', 'askr_is_worker',
        'mb_strlen', 'mb_substr', 'mb_strtolower', 'mb_strtoupper',
    ];

    /** Tokens that declare, include, evaluate or keep state. */
    private const FORBIDDEN_TOKENS = [
        T_CLASS, T_INTERFACE, T_TRAIT, T_INCLUDE, T_INCLUDE_ONCE, T_REQUIRE, T_REQUIRE_ONCE, T_EVAL,
        T_STATIC, T_CONST, T_GOTO, T_GLOBAL, T_YIELD, T_YIELD_FROM,
    ];

    /** @var array<string, bool> path|mtime → verdict */
    private static array $cache = [];

    public static function eligible(string $file): bool
    {
        $mtime = @filemtime($file);
        if ($mtime === false) {
            return false;
        }
        $key = $file . '|' . $mtime;
        return self::$cache[$key] ??= self::analyse((string) file_get_contents($file));
    }

    public static function analyse(string $code): bool
    {
        $safe = array_flip(self::SAFE_FUNCTIONS);
        $tokens = array_values(array_filter(
            \PhpToken::tokenize($code),
            static fn (\PhpToken $t): bool => !$t->isIgnorable(),
        ));
        $count = count($tokens);
        foreach ($tokens as $i => $t) {
            if (in_array($t->id, self::FORBIDDEN_TOKENS, true) || $t->id === 96 /* backtick: shell */) {
                return false;
            }
            if (defined('T_ENUM') && $t->id === T_ENUM) {
                return false;
            }
            $next = $i + 1 < $count ? $tokens[$i + 1] : null;
            $prev = $i > 0 ? $tokens[$i - 1] : null;
            // A named function is a declaration; an anonymous one is a value.
            if ($t->id === T_FUNCTION && $next !== null && $next->text !== '(' && $next->text !== '&') {
                return false;
            }
            // $f(), $obj->$m(), new $class: a call the analysis cannot see.
            if ($t->id === T_VARIABLE && $next?->text === '(') {
                return false;
            }
            if (($t->id === T_OBJECT_OPERATOR || $t->id === T_NULLSAFE_OBJECT_OPERATOR || $t->id === T_DOUBLE_COLON) && $next?->id === T_VARIABLE) {
                return false;
            }
            if ($t->id === T_NEW && $next !== null && ($next->id === T_VARIABLE || $next->text === '(')) {
                return false;
            }
            // A plain function call must be one the list knows; methods and constructors of
            // classes are caught at run time (a class that loads a file changes get_included_files()).
            $isName = $t->id === T_STRING || $t->id === T_NAME_FULLY_QUALIFIED || $t->id === T_NAME_QUALIFIED;
            if ($isName && $next?->text === '(') {
                $isMethodOrNew = $prev !== null && in_array($prev->id, [T_OBJECT_OPERATOR, T_NULLSAFE_OBJECT_OPERATOR, T_DOUBLE_COLON, T_NEW, T_FUNCTION, T_FN], true);
                if (!$isMethodOrNew && !isset($safe[strtolower(ltrim($t->text, '\\'))])) {
                    return false;
                }
            }
        }
        return true;
    }
}
