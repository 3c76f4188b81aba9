// Exported models in a real runtime: for every output activation and loss pairing and 0 to 3
// hidden layers (with and without --standardize), backprop trains a model, exports it, and
// onnxruntime-node runs the ONNX file on random raw inputs (float32 values, so that both sides
// read the same numbers):
// - float32 graph: its outputs must equal `backprop predict --model M.onnx` (the very weights in
//   the file, in double arithmetic) within 1e-6 relative; the difference from predict on the
//   original JSON model (whose weights the export rounds to float) is reported, not asserted;
// - float64 graph (--precision double): its outputs must equal `backprop predict` on the original
//   JSON model within 1e-12 relative: the graph computes the model, scaling included. Not run for
//   leaky_relu models, for which onnxruntime's CPU provider has no float64 kernel.
// Exported files are also read back (`import`) and re-exported to the same bytes.
//
//   node ort_test.mjs BACKPROP_BINARY SOURCE_DIR WORK_DIR
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [bp, sourceDir, work] = process.argv.slice(2);
const require = createRequire(path.resolve(sourceDir, 'package.json'));
const ort = require('onnxruntime-node');

// A small seeded generator (mulberry32) and normal deviates, so every run is the same.
let state = 20261201;
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());

// Four features. Models trained with --standardize see them on different scales and offsets, so
// that the scaling in the graph matters; the others see them standardized already (raw inputs of
// order 100 without scaling would make z ill-conditioned in float32: its rounding error alone
// exceeds 1e-6 of the smaller outputs).
const F = 4, means = [3, -20, 0.5, 100], spreads = [1, 5, 0.1, 30];
function features(n, scaled) {
  const rows = [];
  for (let i = 0; i < n; ++i)
    rows.push(means.map((m, j) => Math.fround(scaled ? m + spreads[j] * normal() : normal())));
  return rows;
}
const csv = (header, rows) => header.join(',') + '\n' + rows.map((r) => r.join(',')).join('\n') + '\n';

const tests = {};
for (const scaled of [true, false]) {
  const train = features(60, scaled), s = scaled ? '-scaled' : '';
  const z = scaled ? (r) => (r[0] - 3) + (r[1] + 20) / 5 - (r[3] - 100) / 30
                   : (r) => r[0] + r[1] - r[3];
  fs.writeFileSync(path.join(work, `train${s}.csv`), csv(['f1', 'f2', 'f3', 'f4', 'label', 'y1', 'y2'],
    train.map((r) => [...r, z(r) > 0.7 ? 'high' : z(r) > -0.7 ? 'mid' : 'low', z(r),
                      Math.tanh(r[2] - (scaled ? 0.5 : 0))])));
  fs.writeFileSync(path.join(work, `binary${s}.csv`), csv(['f1', 'f2', 'f3', 'f4', 'label'],
    train.map((r) => [...r, z(r) > 0 ? 'yes' : 'no'])));
  tests[scaled] = features(25, scaled);
  fs.writeFileSync(path.join(work, `test${s}.csv`), csv(['f1', 'f2', 'f3', 'f4'], tests[scaled]));
}
const N = 25;
// Equal: |a - b| <= tol * max(|b|, 1), i.e. relative for outputs of magnitude 1 and more and
// absolute below. Not relative all the way down: onnxruntime's float Sigmoid and Tanh (MLAS
// kernels) are accurate to about 1e-7 absolute, not relative (its sigmoid returns 0 for
// 2e-8, 1.6e-5 relative off at 0.0016), and the float64 kernels likewise near 1e-16.
const within = (a, b, tol) => Math.abs(a - b) <= tol * Math.max(Math.abs(b), 1);
const relative = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1);

const run = (args) => execFileSync(bp, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

// [loss, output activation, data]: every pairing backprop allows.
const pairings = [
  ['bce', 'sigmoid', 'binary'], ['cross_entropy', 'softmax', 'classes'],
  ['mse', 'sigmoid', 'numeric'], ['mse', 'tanh', 'numeric'], ['mse', 'relu', 'numeric'],
  ['mse', 'leaky_relu', 'numeric'], ['mse', 'linear', 'numeric'], ['mse', 'softmax', 'classes'],
];
const hiddenActivations = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'];
const depths = ['none', '6', '7,5', '6,5,4'];

let checked = 0, worst32 = 0, worst64 = 0, worstJson32 = 0, failures = 0, skipped = 0;
for (const [p, [loss, output, data]] of pairings.entries()) {
  for (const [d, hidden] of depths.entries()) {
    const name = `${loss}-${output}-${d}`;
    const json = path.join(work, name + '.json'), onnx = path.join(work, name + '.onnx');
    const onnx64 = path.join(work, name + '-64.onnx');
    const activation = hiddenActivations[(p + d) % hiddenActivations.length];
    const scaled = (p + d) % 2 === 0, s = scaled ? '-scaled' : '', test = tests[scaled];
    const x32 = Float32Array.from(test.flat()), x64 = Float64Array.from(test.flat());
    const args = ['train', '--hidden', hidden, '--activation', activation, '--output-activation',
                  output, '--loss', loss, '--epochs', '30', '--quiet', '--save', json,
                  '--negative-slope', '0.07'];
    if (data === 'numeric') args.push('--data', path.join(work, `train${s}.csv`), '--targets', 'y1,y2',
                                      '--features', 'f1,f2,f3,f4');
    else if (data === 'binary') args.push('--data', path.join(work, `binary${s}.csv`), '--target', 'label');
    else args.push('--data', path.join(work, `train${s}.csv`), '--target', 'label',
                   '--features', 'f1,f2,f3,f4');
    if (scaled) args.push('--standardize');
    run(args);
    run(['export', '--model', json, '--out', onnx]);
    run(['export', '--model', json, '--out', onnx64, '--precision', 'double']);

    // backprop's numbers: predict's CSV (probabilities per class, or the numeric outputs).
    const predict = (model) => {
      const lines = run(['predict', '--model', model, '--data', path.join(work, `test${s}.csv`)])
        .trim().split('\n');
      const rows = lines.slice(1).map((l) => l.split(','));
      if (lines[0].split(',')[0] !== 'predicted') return rows.map((r) => r.map(Number));
      const p = rows.map((r) => r.slice(1).map(Number));
      return data === 'binary' ? p.map((r) => [r[1]]) : p;  // one sigmoid output: p(second class)
    };
    const fromJson = predict(json), fromOnnx = predict(onnx);
    const outputs = fromJson[0].length;

    const runs = [[onnx, x32, 'float32', 1e-6, fromOnnx]];
    if (activation === 'leaky_relu' || output === 'leaky_relu') ++skipped;
    else runs.push([onnx64, x64, 'float64', 1e-12, fromJson]);
    for (const [file, x, type, tol, expected] of runs) {
      const session = await ort.InferenceSession.create(file);
      const result = await session.run({ input: new ort.Tensor(type, x, [N, F]) });
      const y = result.output;
      if (y.dims[0] !== N || y.dims[1] !== outputs) {
        console.error(`${name} ${type}: output dims ${y.dims}, expected ${N}x${outputs}`);
        ++failures;
        continue;
      }
      for (let i = 0; i < N; ++i)
        for (let k = 0; k < outputs; ++k) {
          const a = y.data[i * outputs + k], b = expected[i][k];
          const rel = relative(a, b);
          if (type === 'float32') {
            worst32 = Math.max(worst32, rel);
            worstJson32 = Math.max(worstJson32,
                                   relative(a, fromJson[i][k]));
          } else {
            worst64 = Math.max(worst64, rel);
          }
          if (!within(a, b, tol)) {
            if (failures++ < 20)
              console.error(`${name} (${type}, hidden ${activation}): sample ${i} output ${k}: ` +
                            `onnxruntime ${a}, backprop predict ${b}, error ${rel} (of max(|predict|, 1))`);
          }
          ++checked;
        }
    }
    // Import and export again: the same bytes.
    const back = path.join(work, name + '.back.json'), again = path.join(work, name + '.again.onnx');
    run(['import', '--model', onnx, '--out', back]);
    run(['export', '--model', back, '--out', again]);
    if (!fs.readFileSync(onnx).equals(fs.readFileSync(again))) {
      console.error(`${name}: export -> import -> export changed the file`);
      ++failures;
    }
  }
}
console.log(`onnxruntime ${ort.env.versions.common}: ${checked} outputs of ` +
            `${pairings.length * depths.length} models (float32, and float64 but for ${skipped} ` +
            `leaky_relu ones); worst error relative to max(|output|, 1): float32 graph vs predict on the .onnx ` +
            `${worst32.toExponential(2)}, float64 graph vs predict on the JSON ` +
            `${worst64.toExponential(2)}; (not asserted) float32 graph vs predict on the JSON ` +
            `${worstJson32.toExponential(2)}`);
if (failures) {
  console.error(`${failures} outputs differ`);
  process.exit(1);
}
