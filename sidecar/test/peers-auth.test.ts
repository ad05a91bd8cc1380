// Message authentication of peer links: the upgrade proofs, per-connection
// keys, and frames that verify only once, in order, with the right key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientProof, FrameOpener, FrameSealer, isNonce, MAC_BYTES, newNonce, proofMatches, serverProof, sessionKeys } from '../src/peers/peer-auth.js';

const SECRET = 'a-shared-peer-secret';

describe('peer auth: upgrade proofs', () => {
  test('a proof made with the secret matches; another secret or nonce does not', () => {
    const nonce = newNonce();
    assert.ok(isNonce(nonce));
    assert.ok(proofMatches(clientProof(SECRET, nonce), clientProof(SECRET, nonce)));
    assert.equal(proofMatches(clientProof(SECRET, nonce), clientProof('another-peer-secret', nonce)), false);
    assert.equal(proofMatches(clientProof(SECRET, nonce), clientProof(SECRET, newNonce())), false);
    assert.equal(proofMatches(clientProof(SECRET, nonce), undefined), false);
    assert.equal(proofMatches(clientProof(SECRET, nonce), 'short'), false);
  });

  test("the server's proof is bound to the client's nonce and to the node it names", () => {
    const c1 = newNonce();
    const c2 = newNonce();
    const s = newNonce();
    assert.notEqual(serverProof(SECRET, c1, s, 'node-a'), serverProof(SECRET, c2, s, 'node-a'), 'not replayable to another dialer');
    assert.notEqual(serverProof(SECRET, c1, s, 'node-a'), serverProof(SECRET, c1, s, 'node-b'), 'the node id cannot be swapped');
    assert.notEqual(serverProof(SECRET, c1, s, 'node-a'), clientProof(SECRET, c1));
  });

  test('nonces are 32 hex digits; anything else is refused before any HMAC', () => {
    assert.equal(isNonce('zz'.repeat(16)), false);
    assert.equal(isNonce(`${newNonce()}0`), false);
    assert.equal(isNonce(['a']), false);
  });
});

describe('peer auth: frames', () => {
  const keys = sessionKeys(SECRET, newNonce(), newNonce());

  test('each direction has its own key, and each connection its own keys', () => {
    assert.notDeepEqual(keys.toServer, keys.toClient);
    const other = sessionKeys(SECRET, newNonce(), newNonce());
    assert.notDeepEqual(keys.toServer, other.toServer);
  });

  test('sealed frames open in order, byte for byte', () => {
    const seal = new FrameSealer(keys.toServer);
    const open = new FrameOpener(keys.toServer);
    for (const text of ['[{"k":"ping"}]', 'x'.repeat(70_000), '']) {
      const frame = seal.seal(Buffer.from(text));
      assert.equal(frame.length, MAC_BYTES + Buffer.byteLength(text));
      assert.equal(open.open(frame)?.toString(), text);
    }
  });

  test('a tampered, replayed, reordered or wrongly keyed frame does not open', () => {
    const seal = new FrameSealer(keys.toServer);
    const f1 = seal.seal(Buffer.from('one'));
    const f2 = seal.seal(Buffer.from('two'));

    const tampered = Buffer.from(f1);
    tampered.writeUInt8((tampered.at(-1) ?? 0) ^ 1, tampered.length - 1);
    assert.equal(new FrameOpener(keys.toServer).open(tampered), undefined);

    assert.equal(new FrameOpener(keys.toServer).open(f2), undefined, 'frame 2 before frame 1');
    assert.equal(new FrameOpener(keys.toClient).open(f1), undefined, 'the other direction');

    const open = new FrameOpener(keys.toServer);
    assert.equal(open.open(f1)?.toString(), 'one');
    assert.equal(open.open(f1), undefined, 'frame 1 again');
    // A failed frame does not advance the counter: the genuine next one still opens.
    assert.equal(open.open(f2)?.toString(), 'two');
    assert.equal(open.open(Buffer.alloc(10)), undefined, 'shorter than a MAC');
  });
});
