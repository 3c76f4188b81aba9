#include "backprop/plot/graph.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "backprop/error.h"
#include "backprop/io/model_file.h"
#include "backprop/teach/trace.h"

extern char** environ;

namespace backprop::plot {

namespace {

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s = buf;
  if (s == "-0.0000") s = "0.0000";
  return s;
}

std::string html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Graphviz node kinds: inputs and parameters are leaves, the rest operations.
enum class Kind { input, parameter, target, operation, loss };

class DotWriter {
 public:
  // A node showing `op` (the operation symbol, or empty for a leaf), "name = value" and, unless
  // the gradient is NaN, "dL/dname = gradient".
  std::string node(Kind kind, const std::string& op, const std::string& name, double value,
                   double gradient) {
    const std::string id = "n" + std::to_string(count_++);
    std::string label;
    if (!op.empty()) label += "<b>" + html(op) + "</b><br/>";
    label += html(name) + " = " + num(value);
    if (!std::isnan(gradient))
      label += "<br/><font color=\"#B2182B\">dL/d" + html(name) + " = " + num(gradient) + "</font>";
    std::string style;
    switch (kind) {
      case Kind::input:
        style = "shape=ellipse, style=filled, fillcolor=\"#DCEBF7\"";
        break;
      case Kind::parameter:
        style = "shape=ellipse, style=filled, fillcolor=\"#FDEBD3\"";
        break;
      case Kind::target:
        style = "shape=ellipse, style=filled, fillcolor=\"#EEEEEE\"";
        break;
      case Kind::operation:
        style = "shape=box, style=\"rounded,filled\", fillcolor=\"#FFFFFF\"";
        break;
      case Kind::loss:
        style = "shape=box, style=\"rounded,filled,bold\", fillcolor=\"#F3E5F5\"";
        break;
    }
    body_ += "  " + id + " [" + style + ", label=<" + label + ">];\n";
    return id;
  }
  void edge(const std::string& from, const std::string& to) {
    body_ += "  " + from + " -> " + to + ";\n";
  }
  std::string text(const std::string& title) const {
    std::string out = "digraph backprop {\n";
    out +=
        "  graph [rankdir=LR, fontname=\"DejaVu Sans\", fontsize=14, labelloc=t, nodesep=0.25, "
        "ranksep=0.45, label=<" +
        html(title) +
        "<br/><font point-size=\"11\" color=\"#555555\">forward value (black) and gradient "
        "dL/d(node) (red); edges point forward</font>>];\n";
    out += "  node [fontname=\"DejaVu Sans\", fontsize=11, color=\"#555555\"];\n";
    out += "  edge [color=\"#777777\", arrowsize=0.7];\n";
    return out + body_ + "}\n";
  }

 private:
  int count_ = 0;
  std::string body_;
};

std::string activation_symbol(Activation kind) {
  switch (kind) {
    case Activation::sigmoid:
      return "σ";
    case Activation::tanh:
      return "tanh";
    case Activation::relu:
      return "ReLU";
    case Activation::leaky_relu:
      return "leaky ReLU";
    case Activation::linear:
      return "identity";
    case Activation::softmax:
      return "softmax";
  }
  return "f";
}

}  // namespace

std::string graph_dot(const Network<double>& network, const Matrix<double>& x,
                      const Matrix<double>& y, const std::string& title,
                      const std::vector<std::string>& input_names) {
  if (network.depth() == 0) throw usage_error("the network has no layers to draw");
  int units = 0;
  Eigen::Index weights = 0;
  for (const DenseLayer<double>& layer : network.layers()) {
    units += static_cast<int>(layer.units());
    weights += layer.W.size();
  }
  if (units > kMaxGraphUnits || weights > kMaxGraphWeights)
    throw usage_error("the computational graph is drawn for small nets (at most " +
                      std::to_string(kMaxGraphUnits) + " units and " +
                      std::to_string(kMaxGraphWeights) + " weights); this one has " +
                      std::to_string(units) + " units and " + std::to_string(weights) + " weights");
  if (x.cols() != 1 || y.cols() != 1)
    throw usage_error("the computational graph shows one sample; found " +
                      std::to_string(x.cols()) + " inputs and " + std::to_string(y.cols()) +
                      " targets");
  if (x.rows() != network.inputs())
    throw option_error("graph.x", "the network has " + std::to_string(network.inputs()) +
                                      " inputs, the sample has " + std::to_string(x.rows()) +
                                      " values");
  if (y.rows() != network.outputs())
    throw option_error("graph.y", "the network has " + std::to_string(network.outputs()) +
                                      " outputs, the target has " + std::to_string(y.rows()) +
                                      " values");

  // One source of truth: every value and gradient comes from the library's traced pass.
  const Trace t = trace(network, x, y);
  const std::size_t depth = t.layers.size();
  const int m = network.outputs();
  // The lesson's names for one neuron on one input (Exercise 3.1): x, w, b, z1, z, ŷ, e, L.
  const bool lesson = depth == 1 && m == 1 && network.inputs() == 1;
  const bool one_neuron = depth == 1 && m == 1;
  const auto index = [](Eigen::Index i) { return "[" + std::to_string(i + 1) + "]"; };

  DotWriter dot;
  std::vector<std::string> previous;  // node ids of a(l−1)
  std::vector<std::string> previous_names;
  const Matrix<double>& dx = t.layers.front().pulled_back;  // dL/dx = W(1)ᵀ delta(1)
  for (Eigen::Index j = 0; j < x.rows(); ++j) {
    std::string name = static_cast<std::size_t>(j) < input_names.size() ? input_names[j]
                       : x.rows() == 1                                  ? "x"
                                       : "x" + std::to_string(j + 1);
    previous.push_back(dot.node(Kind::input, "", name, x(j, 0), dx(j, 0)));
    previous_names.push_back(name);
  }

  for (std::size_t l = 0; l < depth; ++l) {
    const LayerTrace& L = t.layers[l];
    const bool output_layer = l + 1 == depth;
    const std::string ln = std::to_string(l + 1);
    // dL/da of this layer: the loss's gradient at the output, else the error pulled back from
    // the layer above.
    const Matrix<double>& dL_da = output_layer ? t.dL_da : t.layers[l + 1].pulled_back;
    std::vector<std::string> sums, sum_names, activations, activation_names;
    for (Eigen::Index i = 0; i < L.W.rows(); ++i) {
      std::vector<std::string> products;
      for (Eigen::Index j = 0; j < L.W.cols(); ++j) {
        const std::string w_name = lesson       ? "w"
                                   : one_neuron ? "w" + std::to_string(j + 1)
                                                : "W" + ln + "[" + std::to_string(i + 1) + "," +
                                                      std::to_string(j + 1) + "]";
        const std::string w = dot.node(Kind::parameter, "", w_name, L.W(i, j), L.dW(i, j));
        const std::string p_name =
            lesson ? "z1" : w_name + "·" + previous_names[static_cast<std::size_t>(j)];
        const double a_prev = l == 0 ? x(j, 0) : t.layers[l - 1].a(j, 0);
        // dL/dp_ij = dL/dz_i · ∂z_i/∂p_ij = delta_i
        const std::string p =
            dot.node(Kind::operation, "×", p_name, L.W(i, j) * a_prev, L.delta(i, 0));
        dot.edge(w, p);
        dot.edge(previous[static_cast<std::size_t>(j)], p);
        products.push_back(p);
      }
      const std::string b_name = one_neuron ? "b" : "b" + ln + index(i);
      const std::string b = dot.node(Kind::parameter, "", b_name, L.b(i), L.db(i));
      const std::string z_name = one_neuron ? "z" : "z" + ln + index(i);
      const std::string z = dot.node(Kind::operation, "+", z_name, L.z(i, 0), L.delta(i, 0));
      for (const std::string& p : products) dot.edge(p, z);
      dot.edge(b, z);
      sums.push_back(z);
      sum_names.push_back(z_name);
      const std::string a_name =
          output_layer ? (m == 1 ? "ŷ" : "ŷ" + index(i)) : "a" + ln + index(i);
      activation_names.push_back(a_name);
      activations.push_back(dot.node(Kind::operation, activation_symbol(L.activation.kind), a_name,
                                     L.a(i, 0), dL_da(i, 0)));
    }
    // Element-wise activations read their own z; softmax reads every z of the layer.
    for (std::size_t i = 0; i < activations.size(); ++i) {
      if (L.activation.kind == Activation::softmax)
        for (const std::string& z : sums) dot.edge(z, activations[i]);
      else
        dot.edge(sums[i], activations[i]);
    }
    previous = activations;
    previous_names = activation_names;
  }

  // The loss. mse: e = ŷ − y, s = e², L = mean(s); bce and cross_entropy: one term per output.
  const double no_gradient = std::nan("");
  std::vector<std::string> terms;
  const LayerTrace& out = t.layers.back();
  for (int k = 0; k < m; ++k) {
    const std::string suffix = m == 1 ? "" : index(k);
    const std::string y_node = dot.node(Kind::target, "", "y" + suffix, y(k, 0), no_gradient);
    const double a = out.a(k, 0), target = y(k, 0);
    switch (network.loss()) {
      case Loss::mse: {
        const double e = a - target;
        // dL/de = dL/dŷ (∂e/∂ŷ = 1)
        const std::string e_node = dot.node(Kind::operation, "−", "e" + suffix, e, t.dL_da(k, 0));
        dot.edge(previous[static_cast<std::size_t>(k)], e_node);
        dot.edge(y_node, e_node);
        if (m == 1) {  // the lesson's graph: the square is the loss
          const std::string l_node = dot.node(Kind::loss, "^2", "L", t.loss, 1.0);
          dot.edge(e_node, l_node);
          return dot.text(title);
        }
        const std::string s_node =
            dot.node(Kind::operation, "^2", "e" + suffix + "²", e * e, 1.0 / m);
        dot.edge(e_node, s_node);
        terms.push_back(s_node);
        break;
      }
      case Loss::bce: {
        const double term = -(target * std::log(a) + (1 - target) * std::log1p(-a));
        const std::string node =
            dot.node(Kind::operation, "−(y log ŷ + (1−y) log(1−ŷ))", "ℓ" + suffix, term, 1.0 / m);
        dot.edge(previous[static_cast<std::size_t>(k)], node);
        dot.edge(y_node, node);
        terms.push_back(node);
        break;
      }
      case Loss::cross_entropy: {
        const double term = target == 0 ? 0.0 : -target * std::log(a);
        const std::string node = dot.node(Kind::operation, "−y log ŷ", "ℓ" + suffix, term, 1.0);
        dot.edge(previous[static_cast<std::size_t>(k)], node);
        dot.edge(y_node, node);
        terms.push_back(node);
        break;
      }
    }
  }
  const std::string op = network.loss() == Loss::cross_entropy ? "sum" : "mean";
  const std::string l_node = dot.node(Kind::loss, op, "L", t.loss, 1.0);
  for (const std::string& term : terms) dot.edge(term, l_node);
  return dot.text(title);
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Removes a file when it goes out of scope (temporary files on every path out).
struct Remove {
  std::string path;
  ~Remove() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

void write_graph(const std::string& dot, const std::string& path) {
  if (ends_with(path, ".dot") || ends_with(path, ".gv")) {
    write_file_atomically(path, dot);
    return;
  }
  std::string type;
  for (const char* ext : {"svg", "png", "pdf"})
    if (ends_with(path, std::string(".") + ext)) type = ext;
  if (type.empty())
    throw option_error(
        "graph.path",
        "expected a file ending in .dot, .gv, .svg, .png or .pdf, found '" + path + "'");

  // Graphviz reads the DOT text from a temporary file and writes a temporary output next to the
  // target, renamed over it only when dot succeeded: no partial file, whatever happens.
  const std::string stem = path + ".tmp-" + std::to_string(::getpid());
  Remove source{stem + ".dot"};
  write_file_atomically(source.path, dot);
  Remove output{stem + "." + type};
  Remove messages{stem + ".log"};

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, messages.path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const std::string type_flag = "-T" + type, out_flag = "-o" + output.path;
  std::vector<char*> argv = {const_cast<char*>("dot"), const_cast<char*>(type_flag.c_str()),
                             const_cast<char*>(out_flag.c_str()),
                             const_cast<char*>(source.path.c_str()), nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, "dot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    throw Error(path + ": cannot run Graphviz's 'dot' (" + std::strerror(spawned) +
                "); install graphviz (apt-get install graphviz) or write a .dot file instead");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw Error(path + ": waiting for 'dot' failed (" + std::strerror(errno) + ")");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string log;
    try {
      log = read_file(messages.path);
    } catch (const Error&) {
    }
    while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
    // posix_spawnp may succeed and the child still fail to exec: the shell convention 127.
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && log.empty())
      throw Error(path + ": cannot run Graphviz's 'dot'; install graphviz or write a .dot file");
    throw Error(path + ": Graphviz's 'dot' failed (" +
                (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                   : std::string("killed by a signal")) +
                ")" + (log.empty() ? "" : ": " + log));
  }
  if (std::rename(output.path.c_str(), path.c_str()) != 0)
    throw Error(path + ": cannot write (" + std::strerror(errno) + ")");
  output.path.clear();  // renamed: nothing to remove
}

}  // namespace backprop::plot
