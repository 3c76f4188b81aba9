// onnx_latency.mjs — onnxruntime's single-sample latency on the W4 networks (2-10-1 sigmoid and
// 784-256-128-10 relu/softmax, float32), what a deploying engineer compares backprop against.
// The models are made by backprop itself (random weights: train --epochs 1 on random data, then
// backprop export), and run by onnxruntime-node (1 intra-op thread, all graph optimisations).
// W4's "ours" numbers come from bench/run.sh (bench/RESULTS.md); this prints onnxruntime's.
//
//   node bench/onnx_latency.mjs [BACKPROP_BINARY] [--rounds N]     (default build/backprop, 7)
// Timing as W4: calibrate a call count to ~50 ms, time several rounds, report the median round.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? Number(args.splice(roundsAt, 2)[1]) : 7;
const bp = args[0] || path.join(root, 'build', 'backprop');
const ort = createRequire(path.join(root, 'package.json'))('onnxruntime-node');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-latency-'));

function model(name, inputs, hidden, activation, output, classes) {
  const header = [...Array(inputs).keys()].map((j) => `x${j}`).concat(['label']);
  let text = header.join(',') + '\n';
  for (let i = 0; i < 2 * classes; ++i)
    text += [...Array(inputs)].map(() => Math.random().toFixed(3)).join(',') + `,c${i % classes}\n`;
  const csv = path.join(work, name + '.csv'), json = path.join(work, name + '.json');
  fs.writeFileSync(csv, text);
  execFileSync(bp, ['train', '--data', csv, '--target', 'label', '--hidden', hidden, '--activation',
                    activation, '--output-activation', output, '--epochs', '1', '--quiet',
                    '--save', json], { stdio: ['ignore', 'pipe', 'pipe'] });
  const onnx = path.join(work, name + '.onnx');
  execFileSync(bp, ['export', '--model', json, '--out', onnx]);
  return onnx;
}

const nets = [
  ['2-10-1', model('w4-small', 2, '10', 'sigmoid', 'sigmoid', 2), 2],
  ['784-256-128-10', model('w4-large', 784, '256,128', 'relu', 'softmax', 10), 784],
];
console.log(`onnxruntime-node ${ort.env.versions.common}, 1 thread, single-sample latency ` +
            `(median of ${rounds} rounds; noisy on a shared machine)`);
for (const [arch, file, inputs] of nets) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all' });
  const feeds = { input: new ort.Tensor('float32', Float32Array.from({ length: inputs }, Math.random), [1, inputs]) };
  for (let i = 0; i < 200; ++i) await session.run(feeds);  // warm up
  let calls = 1;
  for (;;) {  // calibrate to ~50 ms
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; ++i) await session.run(feeds);
    if (Number(process.hrtime.bigint() - t) > 5e7) break;
    calls *= 2;
  }
  const per = [];
  for (let r = 0; r < rounds; ++r) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < calls; ++i) await session.run(feeds);
    per.push(Number(process.hrtime.bigint() - t) / calls);
  }
  per.sort((a, b) => a - b);
  const fmt = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
  console.log(`| W4 ${arch} | onnxruntime-node session.run | min ${fmt(per[0])} | median ` +
              `**${fmt(per[per.length >> 1])}** | max ${fmt(per[per.length - 1])} |`);
  await session.release();
}
fs.rmSync(work, { recursive: true, force: true });
