import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nameMatcher, normaliseHost, parseVary, requestKey, variantKey } from '../src/cache/cache-key.js';

const drop = nameMatcher(['utm_*', 'gclid']);

describe('cache keys', () => {
  test('host: lowercased, default port dropped, other ports kept, malformed refused', () => {
    assert.equal(normaliseHost('Shop.Test:80', 'http'), 'shop.test');
    assert.equal(normaliseHost('shop.test:443', 'https'), 'shop.test');
    assert.equal(normaliseHost('shop.test:443', 'http'), 'shop.test:443');
    assert.equal(normaliseHost('shop.test.', 'http'), 'shop.test');
    assert.equal(normaliseHost('[::1]:80', 'http'), '[::1]');
    assert.equal(normaliseHost('a/b', 'http'), undefined);
    assert.equal(normaliseHost('a b', 'http'), undefined);
  });

  test('query: sorted by name, same-name order kept, tracking parameters dropped, empty pairs ignored', () => {
    const k = (t: string) => requestKey(t, 'h', 'http', drop)?.key;
    assert.equal(k('/p?b=2&a=1'), 'http://h/p?a=1&b=2');
    assert.equal(k('/p?x[]=2&a=1&x[]=1'), 'http://h/p?a=1&x[]=2&x[]=1');
    assert.equal(k('/p?utm_source=n&gclid=1&&a'), 'http://h/p?a');
    assert.equal(k('/p?utm_source=n'), 'http://h/p');
    assert.equal(k('/p?'), 'http://h/p');
    assert.equal(k('/p#frag'), 'http://h/p');
  });

  test('absolute-form targets use their own authority; asterisk form is unkeyable', () => {
    assert.equal(requestKey('http://Other.test:80/x?b&a', 'h', 'http', drop)?.key, 'http://other.test/x?a&b');
    assert.equal(requestKey('*', 'h', 'http', drop), undefined);
    assert.equal(requestKey('/x', 'bad host', 'http', drop), undefined);
  });

  test('implicit purge tags cannot collide with app tags', () => {
    const k = requestKey('/x?a=1', 'h', 'http', drop)!;
    assert.ok(k.urlTag.startsWith('\u0001') && k.pathTag.startsWith('\u0001'));
    assert.notEqual(k.urlTag, k.pathTag);
  });

  test('Vary: names normalised; * recognised; variant keys separate values unambiguously', () => {
    assert.deepEqual(parseVary('Accept-Language, accept-encoding,Accept-Language'), ['accept-encoding', 'accept-language']);
    assert.equal(parseVary(['Accept', '*']), '*');
    assert.deepEqual(parseVary(undefined), []);
    const a = variantKey('k', ['x', 'y'], { x: 'a', y: 'b,c' });
    const b = variantKey('k', ['x', 'y'], { x: 'a,b', y: 'c' });
    assert.notEqual(a, b);
    assert.notEqual(variantKey('k', ['x'], {}), variantKey('k', ['x'], { x: ' ' }).concat('!'));
  });
});
