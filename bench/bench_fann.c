/* bench_fann.c — FANN 2.2 (Debian libfann-dev) as a competitor. Built twice from this source:
 * bench_fann_double (libdoublefann, W1/W2) and bench_fann_float (libfloatfann, W4); the two
 * libraries export the same names, so one program cannot hold both.
 *
 *   bench_fann_double gd --weights W --data D --lr LR --epochs E
 *       W1/W2: FANN_TRAIN_BATCH with FANN_SIGMOID layers at steepness 0.5 (FANN's sigmoid is
 *       1/(1+exp(-2·s·x)), so s = 0.5 is the logistic), FANN_ERRORFUNC_LINEAR, learning rate 2·LR
 *       (FANN's batch update is lr/N·Σ(y−a)f'·a_prev: no factor 2 of the mse gradient), no
 *       momentum, initial weights and biases from W (FANN keeps a bias as the weight of a
 *       constant-1 neuron at the end of the layer below). The loss of every epoch is recorded
 *       (fann_train_epoch returns the epoch's MSE, taken before the update, like the lesson).
 *   bench_fann_float latency --weights W --hidden sigmoid|linear_piece --output sigmoid|linear
 *                            [--min-time-ms 50] [--rounds 7]
 *       W4: fann_run on one sample. FANN has no relu and no softmax: for 784-256-128-10 the hidden
 *       layers are FANN_LINEAR_PIECE (max(0, min(1, x)): relu's cost, bounded) and the output is
 *       FANN_LINEAR.
 *
 * Output: one JSON line per measurement, like the other bench programs.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(BENCH_FANN_DOUBLE)
#include <doublefann.h>
#define PRECISION "float64"
#elif defined(BENCH_FANN_FLOAT)
#include <floatfann.h>
#define PRECISION "float32"
#else
#error "define BENCH_FANN_DOUBLE or BENCH_FANN_FLOAT"
#endif

static void die(const char *message, const char *detail) {
  fprintf(stderr, "bench_fann: %s%s\n", message, detail ? detail : "");
  exit(1);
}

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- arguments: --key value ---- */
static int g_argc;
static char **g_argv;
static const char *arg(const char *key, const char *fallback) {
  for (int i = 2; i + 1 < g_argc; i += 2)
    if (strncmp(g_argv[i], "--", 2) == 0 && strcmp(g_argv[i] + 2, key) == 0) return g_argv[i + 1];
  if (!fallback) die("missing --", key);
  return fallback;
}

/* ---- the suite's text files (see bench_common.h) ---- */
static void read_header(FILE *f, const char *path, const char *magic) {
  char word[64];
  int version = 0;
  if (fscanf(f, "%63s %d", word, &version) != 2 || strcmp(word, magic) != 0 || version != 1)
    die("bad header in ", path);
}

static double *read_numbers(FILE *f, const char *path, size_t count) {
  double *v = malloc(count * sizeof *v);
  if (!v) die("out of memory", NULL);
  for (size_t i = 0; i < count; ++i)
    if (fscanf(f, "%lf", &v[i]) != 1) die("file ends early: ", path);
  return v;
}

typedef struct {
  int layers;         /* weight layers L */
  unsigned sizes[16]; /* n0 .. nL */
  double *W[16], *b[16];
} Weights;

static Weights read_weights(const char *path) {
  Weights w;
  FILE *f = fopen(path, "r");
  if (!f) die("cannot open ", path);
  read_header(f, path, "backprop-bench-weights");
  if (fscanf(f, "%d", &w.layers) != 1 || w.layers < 1 || w.layers > 15)
    die("bad layer count in ", path);
  for (int l = 0; l <= w.layers; ++l)
    if (fscanf(f, "%u", &w.sizes[l]) != 1) die("bad sizes in ", path);
  for (int l = 0; l < w.layers; ++l) {
    w.W[l] = read_numbers(f, path, (size_t)w.sizes[l + 1] * w.sizes[l]);
    w.b[l] = read_numbers(f, path, w.sizes[l + 1]);
  }
  fclose(f);
  return w;
}

/* Creates the network of `w`'s sizes and copies its weights in. */
static struct fann *make_network(const Weights *w, enum fann_activationfunc_enum hidden,
                                 enum fann_activationfunc_enum output) {
  struct fann *ann = fann_create_standard_array((unsigned)w->layers + 1, w->sizes);
  if (!ann) die("fann_create_standard_array failed", NULL);
  fann_set_activation_function_hidden(ann, hidden);
  fann_set_activation_function_output(ann, output);
  fann_set_activation_steepness_hidden(ann, 0.5);
  fann_set_activation_steepness_output(ann, 0.5);

  /* Index of each layer's first neuron; a layer's bias neuron follows its units. */
  long first[17];
  for (int l = 0; l <= w->layers; ++l)
    first[l] = (long)(ann->first_layer[l].first_neuron - ann->first_layer[0].first_neuron);
  const unsigned count = fann_get_total_connections(ann);
  struct fann_connection *c = malloc(count * sizeof *c);
  if (!c) die("out of memory", NULL);
  fann_get_connection_array(ann, c);
  for (unsigned k = 0; k < count; ++k) {
    int l = w->layers;
    while (l > 0 && (long)c[k].to_neuron < first[l]) --l;
    if (l == 0) die("a connection into the input layer", NULL);
    const long j = (long)c[k].to_neuron - first[l], i = (long)c[k].from_neuron - first[l - 1];
    if (j < 0 || j >= (long)w->sizes[l] || i < 0 || i > (long)w->sizes[l - 1])
      die("unexpected FANN connection layout", NULL);
    c[k].weight = (fann_type)(i == (long)w->sizes[l - 1] ? w->b[l - 1][j]
                                                         : w->W[l - 1][j * w->sizes[l - 1] + i]);
  }
  fann_set_weight_array(ann, c, count);
  free(c);
  return ann;
}

static void print_array(const char *key, const double *v, int n) {
  printf(", \"%s\": [", key);
  for (int i = 0; i < n; ++i) printf("%s%.17g", i ? ", " : "", v[i]);
  printf("]");
}

/* ---- W1/W2 ---- */
static int run_gd(void) {
  const char *data_path = arg("data", NULL);
  Weights w = read_weights(arg("weights", NULL));
  const double lr = atof(arg("lr", NULL));
  const int epochs = atoi(arg("epochs", NULL));

  FILE *f = fopen(data_path, "r");
  if (!f) die("cannot open ", data_path);
  read_header(f, data_path, "backprop-bench-data");
  int features, targets, n;
  if (fscanf(f, "%d %d %d", &features, &targets, &n) != 3) die("bad sizes in ", data_path);
  double *x = read_numbers(f, data_path, (size_t)features * n);
  double *y = read_numbers(f, data_path, (size_t)targets * n);
  fclose(f);

  struct fann *ann = make_network(&w, FANN_SIGMOID, FANN_SIGMOID);
  fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
  fann_set_train_error_function(ann, FANN_ERRORFUNC_LINEAR);
  fann_set_learning_rate(ann, (float)(2.0 * lr));
  fann_set_learning_momentum(ann, 0.0f);

  struct fann_train_data *data =
      fann_create_train((unsigned)n, (unsigned)features, (unsigned)targets);
  for (int s = 0; s < n; ++s) {
    for (int k = 0; k < features; ++k) data->input[s][k] = (fann_type)x[(size_t)k * n + s];
    for (int k = 0; k < targets; ++k) data->output[s][k] = (fann_type)y[(size_t)k * n + s];
  }

  double *history = malloc((size_t)epochs * sizeof *history);
  const double t0 = now_seconds();
  for (int e = 0; e < epochs; ++e) history[e] = fann_train_epoch(ann, data);
  const double elapsed = now_seconds() - t0;

  double checkpoints[11];
  for (int k = 0; k < 10; ++k) checkpoints[k] = history[(long)k * epochs / 10];
  checkpoints[10] = history[epochs - 1];
  printf(
      "{\"impl\": \"fann\", \"precision\": \"%s\", \"epochs\": %d, \"us_per_epoch\": %.17g, "
      "\"seconds\": %.17g, \"final_loss\": %.17g, \"fann_learning_rate\": %.17g",
      PRECISION, epochs, 1e6 * elapsed / epochs, elapsed, history[epochs - 1],
      (double)fann_get_learning_rate(ann));
  print_array("loss_checkpoints", checkpoints, 11);
  printf("}\n");
  fann_destroy_train(data);
  fann_destroy(ann);
  return 0;
}

/* ---- W4 ---- */
static enum fann_activationfunc_enum activation(const char *name) {
  if (strcmp(name, "sigmoid") == 0) return FANN_SIGMOID;
  if (strcmp(name, "linear_piece") == 0) return FANN_LINEAR_PIECE;
  if (strcmp(name, "linear") == 0) return FANN_LINEAR;
  die("unknown activation ", name);
  return FANN_LINEAR;
}

static volatile fann_type g_sink;

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int run_latency(void) {
  Weights w = read_weights(arg("weights", NULL));
  struct fann *ann =
      make_network(&w, activation(arg("hidden", "sigmoid")), activation(arg("output", "sigmoid")));
  const double min_time_ms = atof(arg("min-time-ms", "50"));
  const int rounds = atoi(arg("rounds", "7"));
  fann_type *x = malloc(w.sizes[0] * sizeof *x);
  for (unsigned i = 0; i < w.sizes[0]; ++i) x[i] = (fann_type)((i * 37) % 101) / (fann_type)100;

  for (int i = 0; i < 200; ++i) g_sink += fann_run(ann, x)[0];
  long n = 16;
  for (;;) {
    const double t0 = now_seconds();
    for (long i = 0; i < n; ++i) g_sink += fann_run(ann, x)[0];
    const double ms = 1e3 * (now_seconds() - t0);
    if (ms >= min_time_ms / 4) {
      const long m = (long)(n * min_time_ms / (ms > 1e-3 ? ms : 1e-3));
      if (m > n) n = m;
      break;
    }
    n *= 4;
  }
  double ns[64];
  const int r_count = rounds < 64 ? rounds : 64;
  for (int r = 0; r < r_count; ++r) {
    const double t0 = now_seconds();
    for (long i = 0; i < n; ++i) g_sink += fann_run(ann, x)[0];
    ns[r] = 1e9 * (now_seconds() - t0) / (double)n;
  }
  double sorted[64];
  memcpy(sorted, ns, sizeof(double) * (size_t)r_count);
  qsort(sorted, (size_t)r_count, sizeof(double), compare_doubles);
  const double median =
      r_count % 2 ? sorted[r_count / 2] : 0.5 * (sorted[r_count / 2 - 1] + sorted[r_count / 2]);
  printf("{\"impl\": \"fann\", \"variant\": \"fann_run\", \"precision\": \"%s\", \"arch\": \"",
         PRECISION);
  for (int l = 0; l <= w.layers; ++l) printf("%s%u", l ? "-" : "", w.sizes[l]);
  printf("\", \"ns_per_call\": %.17g", median);
  print_array("rounds_ns", ns, r_count);
  printf(", \"output0\": %.17g}\n", (double)fann_run(ann, x)[0]);
  fann_destroy(ann);
  return 0;
}

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  if (argc < 2) die("usage: bench_fann_{double,float} gd|latency --key value ...", NULL);
  if (strcmp(argv[1], "gd") == 0) return run_gd();
  if (strcmp(argv[1], "latency") == 0) return run_latency();
  die("unknown mode ", argv[1]);
  return 1;
}
