// backprop_view.js — the lesson's tables for one sample: z, a, f'(z), delta, dW, db of every layer
// and the updated weights, with each formula written out with its real numbers. The numbers are
// the server's trace (the same JSON `backprop trace --format json` prints), shown to 10
// significant digits as `backprop trace` prints them.

// 10 significant digits, shortest form ("0.6456563062", "-0.3", "1.5e-7").
export function fmt(v) {
  if (v === null || v === undefined) return '–';
  if (v === 0) return '0';
  return String(Number(Number(v).toPrecision(10)));
}
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
// A number cell that names where it comes from in the trace JSON (tests read it back).
const num = (v, q) => `<span class="num" data-q="${q}">${fmt(v)}</span>`;
const paren = (v, q) => (v < 0 ? `(${num(v, q)})` : num(v, q));

function vector(values, q) {
  return '[' + values.map((v, i) => num(v, `${q}.${i}`)).join(', ') + ']';
}

export function renderTrace(el, r, classes) {
  const t = r.trace;
  const L = t.layers.length;
  const W = r.weights;
  const x = t.x.map((row) => row[0]);
  const y = t.y.map((row) => row[0]);
  const a = (l, i) => (l === 0 ? x[i] : t.layers[l - 1].a[i][0]);
  const aq = (l, i) => (l === 0 ? `x.${i}.0` : `layers.${l - 1}.a.${i}.0`);
  const small = (n) => n <= 12;
  let h = `<p><b>${esc(r.set)} sample #${r.index}</b> (class ${esc(classes[r.label] ?? r.label)}):
    x = a(0) = ${vector(x, 'x')}, target y = ${vector(y, 'y')}; loss ${esc(t.loss_function)}</p>`;

  h += '<h3>Forward pass &nbsp; z(l) = W(l) a(l−1) + b(l), &nbsp; a(l) = f(z(l))</h3>';
  for (let l = 0; l < L; ++l) {
    const lt = t.layers[l], n = lt.z.length, m = W[l].W[0].length, name = l + 1;
    h += `<p><b>Layer ${name}</b> (${esc(lt.activation)}, ${n} unit${n > 1 ? 's' : ''})</p>`;
    h += `<table data-layer="${l}"><tr><th>unit</th><th>W(${name}) row</th><th>b(${name})</th><th>z(${name})</th><th>a(${name})</th>${lt.fprime ? `<th>f′(z(${name}))</th>` : ''}</tr>`;
    for (let i = 0; i < n; ++i) {
      h += `<tr><td>${i + 1}</td><td>${W[l].W[i].map(fmt).join(', ')}</td><td>${fmt(W[l].b[i])}</td>
        <td>${num(lt.z[i][0], `layers.${l}.z.${i}.0`)}</td><td>${num(lt.a[i][0], `layers.${l}.a.${i}.0`)}</td>
        ${lt.fprime ? `<td>${num(lt.fprime[i][0], `layers.${l}.fprime.${i}.0`)}</td>` : ''}</tr>`;
    }
    h += '</table>';
    if (small(n) && small(m)) {
      for (let i = 0; i < n; ++i) {
        const terms = W[l].W[i].map((w, j) => `${fmt(w)}·${paren(a(l, j), aq(l, j))}`).join(' + ');
        h += `<div class="formula">z${i + 1}(${name}) = ${terms} + ${fmt(W[l].b[i])} = ${num(lt.z[i][0], `layers.${l}.z.${i}.0`)}</div>`;
        h += `<div class="formula">a${i + 1}(${name}) = ${esc(lt.activation)}(${fmt(lt.z[i][0])}) = ${num(lt.a[i][0], `layers.${l}.a.${i}.0`)}</div>`;
      }
    }
  }
  h += `<h3>Loss</h3><div class="formula">L = ${num(t.loss, 'loss')} &nbsp; (${esc(t.loss_function)}); &nbsp; dL/da(${L}) = ${vector(t.dL_da.map((row) => row[0]), 'dL_da')}</div>`;

  h += '<h3>Backward pass &nbsp; delta(l) = (W(l+1)ᵀ delta(l+1)) ⊙ f′(z(l)), &nbsp; dW(l) = delta(l) a(l−1)ᵀ, &nbsp; db(l) = delta(l)</h3>';
  for (let l = L - 1; l >= 0; --l) {
    const lt = t.layers[l], n = lt.z.length, m = W[l].W[0].length, name = l + 1;
    h += `<p><b>Layer ${name}</b></p><table data-layer-back="${l}"><tr><th>unit</th><th>delta(${name})</th><th>db(${name})</th><th>dW(${name}) row = delta · a(${l})ᵀ</th>${t.updated ? `<th>updated W(${name}) row</th><th>updated b(${name})</th>` : ''}</tr>`;
    for (let i = 0; i < n; ++i) {
      h += `<tr><td>${i + 1}</td><td>${num(lt.delta[i][0], `layers.${l}.delta.${i}.0`)}</td><td>${num(lt.db[i], `layers.${l}.db.${i}`)}</td>
        <td>${lt.dW[i].map((v, j) => num(v, `layers.${l}.dW.${i}.${j}`)).join(', ')}</td>
        ${t.updated ? `<td>${t.updated[l].weights[i].map((v, j) => num(v, `updated.${l}.weights.${i}.${j}`)).join(', ')}</td><td>${num(t.updated[l].bias[i], `updated.${l}.bias.${i}`)}</td>` : ''}</tr>`;
    }
    h += '</table>';
    if (!small(n) || !small(m)) continue;
    for (let i = 0; i < n; ++i) {
      const d = lt.delta[i][0], dq = `layers.${l}.delta.${i}.0`;
      if (l === L - 1) {
        if (lt.fprime)
          h += `<div class="formula">delta${i + 1}(${name}) = dL/da${i + 1} · f′(z${i + 1}) = ${paren(t.dL_da[i][0], `dL_da.${i}.0`)} · ${paren(lt.fprime[i][0], `layers.${l}.fprime.${i}.0`)} = ${num(d, dq)}</div>`;
        else
          h += `<div class="formula">delta${i + 1}(${name}) = (softmax Jacobian)ᵀ dL/da = ${num(d, dq)}</div>`;
      } else {
        const pb = t.layers[l + 1].pulled_back[i][0];
        const parts = W[l + 1].W.map((row, k) => `${fmt(row[i])}·${paren(t.layers[l + 1].delta[k][0], `layers.${l + 1}.delta.${k}.0`)}`).join(' + ');
        h += `<div class="formula">delta${i + 1}(${name}) = (${parts}) · f′(z${i + 1}) = ${paren(pb, `layers.${l + 1}.pulled_back.${i}.0`)} · ${paren(lt.fprime ? lt.fprime[i][0] : NaN, `layers.${l}.fprime.${i}.0`)} = ${num(d, dq)}</div>`;
      }
      for (let j = 0; j < m; ++j) {
        h += `<div class="formula">dL/dW${i + 1}${j + 1}(${name}) = delta${i + 1} · a${j + 1}(${l}) = ${paren(d, dq)} · ${paren(a(l, j), aq(l, j))} = ${num(lt.dW[i][j], `layers.${l}.dW.${i}.${j}`)}` +
          (t.updated ? ` &nbsp; → &nbsp; W ← ${fmt(W[l].W[i][j])} − ${fmt(t.lr)}·${paren(lt.dW[i][j], `layers.${l}.dW.${i}.${j}`)} = ${num(t.updated[l].weights[i][j], `updated.${l}.weights.${i}.${j}`)}` : '') + '</div>';
      }
    }
  }
  if (t.updated)
    h += `<p class="muted">Updated weights: one plain gradient-descent step on this sample at lr ${fmt(t.lr)}, the lesson's W ← W − lr·dW` +
      (r.optimizer !== 'gd' ? ` (training itself uses ${esc(r.optimizer)} on the whole batch)` : '') + '.</p>';
  el.innerHTML = h;
  el.classList.remove('muted');
}

export function renderGradcheck(el, r) {
  let h = `<p>Numerical gradient check on ${r.samples} training sample${r.samples > 1 ? 's' : ''} (central differences; relative error |g − n| / max(|g| + |n|, 1e-8); pass below ${r.tolerance}):
    <b class="${r.passed ? 'gc-pass' : 'gc-fail'}">${r.passed ? 'PASSED' : 'FAILED'}</b></p>
    <table class="gc"><tr><th>tensor</th><th>shape</th><th>max |g − n|</th><th>max relative error</th><th></th></tr>`;
  for (const t of r.tensors)
    h += `<tr><td>${esc(t.name)}</td><td>${t.rows}×${t.cols}</td><td>${fmt(t.max_abs_diff)}</td><td data-tensor="${esc(t.name)}">${fmt(t.max_rel_error)}</td>
      <td class="${t.passed ? 'gc-pass' : 'gc-fail'}">${t.passed ? 'passed' : 'FAILED'}</td></tr>`;
  el.innerHTML = h + '</table>';
}
