// Test discovery: directories are scanned recursively for *Test.php, sorted,
// skipping hidden folders, vendor/ and node_modules/; named files run as given.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findTestFiles } from '../src/testrunner/test-files.js';

let dir: string;

function touch(rel: string): void {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, '<?php');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'askr-testrunner-files-'));
  for (const f of [
    'tests/Unit/ZetaTest.php', 'tests/Unit/AlphaTest.php', 'tests/Feature/Deep/er/HomeTest.php', 'tests/FooTest.php',
    'tests/Helper.php', 'tests/Test.php', 'tests/FooTest.php.bak', 'tests/.hidden/SecretTest.php',
    'tests/vendor/pkg/PkgTest.php', 'tests/node_modules/x/XTest.php', 'scripts/check.php',
  ]) touch(f);
  symlinkSync(join(dir, 'tests', 'FooTest.php'), join(dir, 'tests', 'Unit', 'LinkTest.php'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('findTestFiles', () => {
  test('a directory: every *Test.php below it, sorted, named relative to it', () => {
    const files = findTestFiles([join(dir, 'tests')]);
    assert.deepEqual(files.map((f) => f.display), ['Feature/Deep/er/HomeTest.php', 'FooTest.php', 'Unit/AlphaTest.php', 'Unit/ZetaTest.php']);
    assert.equal(files[0]?.path, join(dir, 'tests', 'Feature', 'Deep', 'er', 'HomeTest.php'));
  });

  test('a file is run as given, whatever its name, and named by its basename', () => {
    const files = findTestFiles([join(dir, 'scripts', 'check.php'), join(dir, 'tests', 'Unit')]);
    assert.deepEqual(files.map((f) => f.display), ['check.php', 'AlphaTest.php', 'LinkTest.php', 'ZetaTest.php']);
  });

  test('a file reached twice (twice named, or through a symlink) runs once', () => {
    const files = findTestFiles([join(dir, 'tests', 'FooTest.php'), join(dir, 'tests')]);
    assert.deepEqual(files.map((f) => f.display), ['FooTest.php', 'Feature/Deep/er/HomeTest.php', 'Unit/AlphaTest.php', 'Unit/ZetaTest.php']);
  });

  test('a directory without tests gives nothing', () => {
    assert.deepEqual(findTestFiles([join(dir, 'scripts')]), []);
  });
});
