#!/usr/bin/python3
"""NumPy reference data for the dataset generators' golden tests.

Writes datasets.json next to this script. Every entry holds "x" (2 rows x N samples: samples are
columns, as in the C++ library) and "y" (1 row of 0/1 for the binary sets) or "labels" (the class
index of each sample):

  circle_200_0.1_seed42, circle_50_0.3_seed7
      The lesson's generate_circle_data(n_samples, noise) after np.random.seed(seed), verbatim.
      The C++ make_circle must match these bit for bit.
  moons_60_0.1_seed3
      scikit-learn's make_moons(60, shuffle=True, noise=0.1, random_state=3), transcribed line by
      line (scikit-learn is not installed here); the shuffle is NumPy's own RandomState.shuffle.
  blobs_40_3_1.5_seed5
      scikit-learn's make_blobs(40, centers=3, cluster_std=1.5, random_state=5), transcribed.
  spirals_30_3_0.2_seed1
      The CS231n spiral data (N points per class, K classes, theta noise 0.2), after
      np.random.seed(1).

Regenerate (from the repository root) with:

    /usr/bin/python3 tests/golden/generate_datasets.py
"""

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def generate_circle_data(n_samples=200, noise=0.1):
    """The lesson's generator: points inside radius sqrt(0.5) are class 1."""
    X = np.random.randn(2, n_samples) * 0.7
    y = (X[0] ** 2 + X[1] ** 2 < 0.5).astype(float).reshape(1, -1)
    X += np.random.randn(2, n_samples) * noise
    return X, y


def sklearn_shuffle(rng, *arrays):
    """sklearn.utils.shuffle(..., random_state=rng): resample without replacement."""
    indices = np.arange(arrays[0].shape[0])
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def make_moons(n_samples, noise, random_state):
    """sklearn.datasets.make_moons with shuffle=True; returns X as (n_samples, 2)."""
    generator = np.random.RandomState(random_state)
    n_samples_out = n_samples // 2
    n_samples_in = n_samples - n_samples_out
    outer_circ_x = np.cos(np.linspace(0, np.pi, n_samples_out))
    outer_circ_y = np.sin(np.linspace(0, np.pi, n_samples_out))
    inner_circ_x = 1 - np.cos(np.linspace(0, np.pi, n_samples_in))
    inner_circ_y = 1 - np.sin(np.linspace(0, np.pi, n_samples_in)) - 0.5
    X = np.vstack(
        [np.append(outer_circ_x, inner_circ_x), np.append(outer_circ_y, inner_circ_y)]
    ).T
    y = np.hstack(
        [np.zeros(n_samples_out, dtype=np.intp), np.ones(n_samples_in, dtype=np.intp)]
    )
    X, y = sklearn_shuffle(generator, X, y)
    X += generator.normal(scale=noise, size=X.shape)
    return X, y


def make_blobs(n_samples, centers, cluster_std, random_state):
    """sklearn.datasets.make_blobs with integer centers, 2 features, center_box (-10, 10)."""
    generator = np.random.RandomState(random_state)
    n_features = 2
    centres = generator.uniform(-10.0, 10.0, size=(centers, n_features))
    n_samples_per_center = [n_samples // centers] * centers
    for i in range(n_samples % centers):
        n_samples_per_center[i] += 1
    X = []
    y = []
    for i, n in enumerate(n_samples_per_center):
        X.append(generator.normal(loc=centres[i], scale=cluster_std, size=(n, n_features)))
        y += [i] * n
    X = np.concatenate(X)
    y = np.array(y)
    X, y = sklearn_shuffle(generator, X, y)
    return X, y


def make_spirals(points_per_class, classes, noise, seed):
    """CS231n 'spiral' data: samples in class order."""
    np.random.seed(seed)
    N, K = points_per_class, classes
    X = np.zeros((N * K, 2))
    y = np.zeros(N * K, dtype="uint8")
    for j in range(K):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)
        t = np.linspace(j * 4, (j + 1) * 4, N) + np.random.randn(N) * noise
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


def circle_entry(n, noise, seed):
    np.random.seed(seed)
    X, y = generate_circle_data(n_samples=n, noise=noise)
    assert X.shape == (2, n) and y.shape == (1, n)
    return {"x": X.tolist(), "y": y.tolist()}


def labelled_entry(X, y):
    """X given as (N, 2) rows of samples: stored transposed, samples as columns."""
    return {"x": X.T.tolist(), "labels": [int(v) for v in y]}


def main():
    data = {
        "circle_200_0.1_seed42": circle_entry(200, 0.1, 42),
        "circle_50_0.3_seed7": circle_entry(50, 0.3, 7),
        "moons_60_0.1_seed3": labelled_entry(*make_moons(60, 0.1, 3)),
        "blobs_40_3_1.5_seed5": labelled_entry(*make_blobs(40, 3, 1.5, 5)),
        "spirals_30_3_0.2_seed1": labelled_entry(*make_spirals(10, 3, 0.2, 1)),
    }
    # Sanity: the lesson's circle data is roughly balanced (inside radius sqrt(0.5) of a
    # N(0, 0.7²) cloud has probability 1 - exp(-0.5 / (2 * 0.49)) ≈ 0.40).
    inside = sum(data["circle_200_0.1_seed42"]["y"][0])
    assert 60 <= inside <= 100, inside
    path = os.path.join(HERE, "datasets.json")
    with open(path, "w") as f:
        # json writes floats with repr(): the shortest text that reads back to the same double.
        json.dump(data, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
