<?php

declare(strict_types=1);

namespace Askr\Runtime\Http;

/**
 * Registers a variable by name into an array the way PHP's
 * php_register_variable_ex() does: "a[b][]" nests, dots and spaces in the base
 * name become underscores, an unterminated "[" ends the nesting.
 */
final class VariableRegistry
{
    /**
     * Splits a variable name into its base and index path. null in the path
     * means "append" ([]); returns null when the name registers nothing.
     *
     * @return list<string|null>|null
     */
    public static function path(string $name): ?array
    {
        $name = ltrim($name, ' ');
        $open = strpos($name, '[');
        $base = $open === false ? $name : substr($name, 0, $open);
        if ($base === '') {
            return null;
        }
        $base = strtr($base, ['.' => '_', ' ' => '_']);
        $path = [$base];
        if ($open === false) {
            return $path;
        }
        $rest = substr($name, $open);
        while ($rest !== '' && $rest[0] === '[') {
            $close = strpos($rest, ']');
            if ($close === false) {
                // PHP turns the first unmatched "[" of the base into "_" and stops nesting.
                if (count($path) === 1) {
                    $path[0] = $base . '_' . substr($rest, 1);
                }
                break;
            }
            $index = substr($rest, 1, $close - 1);
            $path[] = $index === '' ? null : $index;
            $rest = substr($rest, $close + 1);
        }
        return $path;
    }

    /**
     * @param array<array-key, mixed> $target
     * @param list<string|null> $path
     */
    public static function set(array &$target, array $path, mixed $value): void
    {
        $ref = &$target;
        $last = count($path) - 1;
        foreach ($path as $i => $key) {
            if ($i === $last) {
                if ($key === null) {
                    $ref[] = $value;
                } else {
                    $ref[$key] = $value;
                }
                return;
            }
            if ($key === null) {
                $ref[] = [];
                $key = array_key_last($ref);
            } elseif (!isset($ref[$key]) || !is_array($ref[$key])) {
                $ref[$key] = [];
            }
            $ref = &$ref[$key];
        }
    }
}
