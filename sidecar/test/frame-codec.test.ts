import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeHeadAndBody, encodeFrame, encodeHeadAndBody, FrameDecoder, type Frame } from '../src/protocol/frame-codec.js';
import { AskrError } from '../src/errors.js';

interface Vector {
  name: string;
  type: number;
  kind: 'json' | 'bytes' | 'empty' | 'head+body';
  payloadHex?: string;
  frameHex?: string;
  payloadRepeat?: { byte: string; count: number };
  frameHeaderHex?: string;
  json?: unknown;
  head?: unknown;
  bodyHex?: string;
}

const vectors = (JSON.parse(readFileSync(new URL('../../docs/protocol/vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] }).vectors;

function payloadOf(v: Vector): Buffer {
  if (v.payloadRepeat) return Buffer.alloc(v.payloadRepeat.count, parseInt(v.payloadRepeat.byte, 16));
  return Buffer.from(v.payloadHex ?? '', 'hex');
}

function frameOf(v: Vector): Buffer {
  if (v.frameHeaderHex) return Buffer.concat([Buffer.from(v.frameHeaderHex, 'hex'), payloadOf(v)]);
  return Buffer.from(v.frameHex ?? '', 'hex');
}

function decodeAll(bytes: Buffer, split: number[]): Frame[] {
  const frames: Frame[] = [];
  const decoder = new FrameDecoder((f) => frames.push({ type: f.type, payload: Buffer.from(f.payload) }));
  let at = 0;
  for (const cut of [...split, bytes.length]) {
    decoder.push(bytes.subarray(at, cut));
    at = cut;
  }
  return frames;
}

describe('frame codec: the shared test vectors (docs/protocol/vectors.json)', () => {
  for (const v of vectors) {
    it(`encodes and decodes "${v.name}"`, () => {
      const payload = payloadOf(v);
      assert.deepEqual(encodeFrame(v.type, payload), frameOf(v));
      const frames = decodeAll(frameOf(v), []);
      assert.equal(frames.length, 1);
      assert.equal(frames[0]?.type, v.type);
      assert.deepEqual(frames[0].payload, payload);
      if (v.kind === 'json') assert.deepEqual(JSON.parse(payload.toString()), v.json);
      if (v.kind === 'head+body') {
        const { head, body } = decodeHeadAndBody(payload);
        assert.deepEqual(head, v.head);
        assert.equal(body.toString('hex'), v.bodyHex);
        assert.deepEqual(encodeHeadAndBody(v.type, v.head, body), frameOf(v));
      }
    });
  }
});

describe('frame decoder', () => {
  const stream = Buffer.concat(vectors.map(frameOf));

  it('yields the same frames whatever way the stream is cut', () => {
    const whole = decodeAll(stream, []);
    assert.equal(whole.length, vectors.length);
    for (let step = 1; step < 40; step += 3) {
      const cuts: number[] = [];
      for (let c = step; c < stream.length; c += step) cuts.push(c);
      assert.deepEqual(decodeAll(stream, cuts), whole, `cut every ${step} bytes`);
    }
    assert.deepEqual(decodeAll(stream, Array.from({ length: 200 }, (_, i) => i + 1)), whole, 'byte by byte at the start');
  });

  it('refuses a frame announcing more than 16 MiB', () => {
    const decoder = new FrameDecoder(() => undefined);
    const header = Buffer.from([0x03, 0x01, 0x00, 0x00, 0x01]);
    assert.throws(() => { decoder.push(header); }, (err: unknown) => err instanceof AskrError && err.code === 'ASKR_ERR_PROTOCOL');
  });

  it('keeps only the unread tail between pushes', () => {
    const decoder = new FrameDecoder(() => undefined);
    decoder.push(encodeFrame(3, 'abc'));
    assert.equal(decoder.buffered, 0);
    decoder.push(encodeFrame(3, 'abcdef').subarray(0, 4));
    assert.equal(decoder.buffered, 4);
  });

  it('rejects a head length beyond the payload', () => {
    assert.throws(() => decodeHeadAndBody(Buffer.from([0, 0, 0, 9, 0x7b, 0x7d])), /head length beyond the payload/);
  });
});
