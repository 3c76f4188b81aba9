"""numpy_mlp.py — the lesson's own NumPy MLP (section 6) and training loop (section 7), as a
competitor for W1 (XOR) and W2 (circle).

    /usr/bin/python3 numpy_mlp.py --weights W --data D --lr LR --epochs E

The class is the lesson's, with the blanks filled in from its solution; the only change is that
the initial weights are then replaced by those of the weights file, which for these two networks
are the very numbers __init__ draws (np.random.seed(42), randn * sqrt(2 / n_in)), so all
implementations start from the same bits. The loop is section 7's without its progress printing:
forward, compute_loss (appended to loss_history every epoch), backward with its update.
"""
import argparse
import json
import time

import numpy as np

import inputs


def sigmoid(z):
    """Sigmoid activation"""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))


def sigmoid_derivative(z):
    """Derivative of sigmoid: σ(z)(1 - σ(z))"""
    s = sigmoid(z)
    return s * (1 - s)


class MLP:
    """
    A 2-layer MLP (input → hidden → output) trained with backpropagation.
    """

    def __init__(self, n_input, n_hidden, n_output):
        """Initialize with random weights"""
        np.random.seed(42)
        # Xavier initialization (better than pure random)
        self.W1 = np.random.randn(n_hidden, n_input) * np.sqrt(2.0 / n_input)
        self.b1 = np.zeros((n_hidden, 1))
        self.W2 = np.random.randn(n_output, n_hidden) * np.sqrt(2.0 / n_hidden)
        self.b2 = np.zeros((n_output, 1))

    def forward(self, X):
        # Hidden layer
        self.z1 = self.W1 @ X + self.b1          # (n_hidden, N)
        self.a1 = sigmoid(self.z1)                # (n_hidden, N)

        # Output layer
        self.z2 = self.W2 @ self.a1 + self.b2    # (n_output, N)
        self.a2 = sigmoid(self.z2)                # (n_output, N)

        return self.a2

    def compute_loss(self, y_true):
        """MSE loss"""
        N = y_true.shape[1]
        return np.mean((y_true - self.a2) ** 2)

    def backward(self, X, y_true, lr):
        N = X.shape[1]  # Number of samples

        # dL/da2 = -2(y - a2) / N
        dL_da2 = -2 * (y_true - self.a2) / N

        # delta2 = dL/dz2 = dL/da2 * sigmoid'(z2)
        delta2 = dL_da2 * sigmoid_derivative(self.z2)     # (n_output, N)

        # Gradients for W2 and b2
        dW2 = delta2 @ self.a1.T                           # (n_output, n_hidden)
        db2 = np.sum(delta2, axis=1, keepdims=True)        # (n_output, 1)

        # Propagate error backward through W2
        delta1 = (self.W2.T @ delta2) * sigmoid_derivative(self.z1)

        # Gradients for W1 and b1
        dW1 = delta1 @ X.T
        db1 = np.sum(delta1, axis=1, keepdims=True)

        # --- Update weights ---
        self.W2 -= lr * dW2
        self.b2 -= lr * db2
        self.W1 -= lr * dW1
        self.b1 -= lr * db1

        return dW1, db1, dW2, db2


def checkpoints(history):
    n = len(history)
    return [float(history[k * n // 10]) for k in range(10)] + [float(history[-1])]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--lr", type=float, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    args = parser.parse_args()

    sizes, layers = inputs.read_weights(args.weights)
    X, y = inputs.read_data(args.data)
    mlp = MLP(n_input=sizes[0], n_hidden=sizes[1], n_output=sizes[2])
    (mlp.W1, mlp.b1), (mlp.W2, mlp.b2) = layers

    n_epochs, lr = args.epochs, args.lr
    loss_history = []
    start = time.perf_counter()
    for epoch in range(n_epochs):
        output = mlp.forward(X)
        loss = mlp.compute_loss(y)
        loss_history.append(loss)
        mlp.backward(X, y, lr)
    elapsed = time.perf_counter() - start

    print(json.dumps({"impl": "numpy", "epochs": n_epochs, "us_per_epoch": 1e6 * elapsed / n_epochs,
                      "seconds": elapsed, "final_loss": float(loss_history[-1]),
                      "loss_checkpoints": checkpoints(loss_history)}))


if __name__ == "__main__":
    main()
