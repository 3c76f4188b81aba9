// graph.h — the lesson's computational graph (section 3) of a small network on one sample, with
// every node's forward value and its gradient dL/d(node), as Graphviz DOT.
//
// Per unit i of layer l:  products  p_ij = W_ij a_j  (one × node per weight)
//                         sum       z_i = Σ_j p_ij + b_i               dL/dz_i = delta_i
//                         f         a_i = f(z_i)                       dL/da_i = (Wᵀ delta)_i
// and at the output (mse):  e_k = a_k − y_k,  s_k = e_k²,  L = mean_k s_k,  with
//   dL/dL = 1,  dL/ds_k = 1 / m,  dL/de_k = 2 e_k / m,  dL/dp_ij = delta_i,  dL/dW_ij = delta_i
//   a_j.
// bce and cross_entropy end in one loss node per output instead of the subtract and square.
// Every gradient comes from backprop::trace(), the library's own backward pass, so the picture
// and the tables of `backprop trace` cannot disagree. For the single neuron (x = 2, w = 0.5,
// b = −0.5, y = 1) the nodes carry the lesson's names: z1 = w·x, z = z1 + b, ŷ, e, L.
#pragma once

#include <string>
#include <vector>

#include "backprop/network.h"

namespace backprop::plot {

// Graphs are drawn for small networks only: above this many units (all layers) or kMaxGraphWeights
// weights the picture would be unreadable, and graph_dot throws a usage Error saying so.
inline constexpr int kMaxGraphUnits = 10;
inline constexpr int kMaxGraphWeights = 40;

// DOT text of the graph of `network` on one sample x (inputs x 1) with target y (outputs x 1).
// `input_names` (optional, one per input) label the inputs; values show 4 decimals.
std::string graph_dot(const Network<double>& network, const Matrix<double>& x,
                      const Matrix<double>& y, const std::string& title = "",
                      const std::vector<std::string>& input_names = {});

// Writes DOT text to `path` by its extension: .dot or .gv as the text itself; .svg, .png or .pdf
// rendered by Graphviz's `dot` program (run directly, without a shell). Throws a usage Error for
// another extension, and an Error when `dot` cannot be found or fails (with its message).
void write_graph(const std::string& dot, const std::string& path);

}  // namespace backprop::plot
