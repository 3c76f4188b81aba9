// Runs one ONNX file in onnxruntime-node and prints its first output as JSON rows.
//   node ort_run.mjs SOURCE_DIR MODEL.onnx INPUT.json    (INPUT: {"type": "float32", "rows": [[...]]})
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [sourceDir, model, input] = process.argv.slice(2);
const ort = createRequire(path.resolve(sourceDir, 'package.json'))('onnxruntime-node');
const { type, rows } = JSON.parse(fs.readFileSync(input, 'utf8'));
const session = await ort.InferenceSession.create(model);
const x = new (type === 'float64' ? Float64Array : Float32Array)(rows.flat());
const out = (await session.run({ [session.inputNames[0]]: new ort.Tensor(type, x, [rows.length, rows[0].length]) }))[session.outputNames[0]];
const cols = out.dims[1], result = [];
for (let i = 0; i < out.dims[0]; ++i) result.push(Array.from(out.data.slice(i * cols, (i + 1) * cols)));
console.log(JSON.stringify(result));
