# The lesson's code (backpropagation.md), verbatim from section 6's activation functions through
# section 7, with `from backprop import MLP` in place of the class definition (and without the
# solution snippet for its blanks). Generated from the lesson's code blocks; do not edit by hand.
# Run by test_lesson.py with matplotlib's Agg backend.
import numpy as np

def sigmoid(z):
    """Sigmoid activation"""
    return 1 / (1 + np.exp(-np.clip(z, -500, 500)))

def sigmoid_derivative(z):
    """Derivative of sigmoid: σ(z)(1 - σ(z))"""
    s = sigmoid(z)
    return s * (1 - s)

from backprop import MLP

# Create a small network: 2 inputs, 3 hidden, 1 output
mlp = MLP(n_input=2, n_hidden=3, n_output=1)

# Dummy data: 4 samples
X = np.array([[0, 0, 1, 1],
              [0, 1, 0, 1]], dtype=float)  # (2, 4)
y = np.array([[0, 1, 1, 0]], dtype=float)   # (1, 4) — XOR!

# Forward pass
output = mlp.forward(X)

print("Shape check:")
print(f"  X:     {X.shape}")           # (2, 4)
print(f"  W1:    {mlp.W1.shape}")      # (3, 2)
print(f"  z1:    {mlp.z1.shape}")      # (3, 4)
print(f"  a1:    {mlp.a1.shape}")      # (3, 4)
print(f"  W2:    {mlp.W2.shape}")      # (1, 3)
print(f"  z2:    {mlp.z2.shape}")      # (1, 4)
print(f"  a2:    {mlp.a2.shape}")      # (1, 4)
print(f"  y:     {y.shape}")           # (1, 4)
print(f"  output: {output.shape}")     # (1, 4)

import matplotlib.pyplot as plt

# XOR dataset
X_xor = np.array([[0, 0, 1, 1],
                   [0, 1, 0, 1]], dtype=float)
y_xor = np.array([[0, 1, 1, 0]], dtype=float)

# Create network: 2 inputs, 4 hidden neurons, 1 output
mlp = MLP(n_input=2, n_hidden=4, n_output=1)

# Training loop
n_epochs = 10000
lr = 2.0  # Sigmoid networks often need larger learning rates
loss_history = []

for epoch in range(n_epochs):
    # Forward pass
    output = mlp.forward(X_xor)
    
    # Compute loss
    loss = mlp.compute_loss(y_xor)
    loss_history.append(loss)
    
    # Backward pass + update
    mlp.backward(X_xor, y_xor, lr)
    
    # Print progress
    if epoch % 2000 == 0:
        predictions = (output > 0.5).astype(int)
        accuracy = np.mean(predictions == y_xor) * 100
        print(f"Epoch {epoch:5d}: Loss = {loss:.6f}, Accuracy = {accuracy:.0f}%")

# Final results
print("\n" + "=" * 50)
print("FINAL RESULTS")
print("=" * 50)
output = mlp.forward(X_xor)
for i in range(4):
    x1, x2 = X_xor[0, i], X_xor[1, i]
    pred = output[0, i]
    true = y_xor[0, i]
    status = "✓" if (pred > 0.5) == true else "✗"
    print(f"{status} Input: ({x1:.0f}, {x2:.0f}) → Output: {pred:.4f} → "
          f"Predicted: {int(pred > 0.5)} (True: {int(true)})")

fig, axes = plt.subplots(1, 2, figsize=(16, 6))

# Plot 1: Loss curve
ax = axes[0]
ax.plot(loss_history, 'b-', linewidth=1)
ax.set_xlabel('Epoch', fontsize=14)
ax.set_ylabel('MSE Loss', fontsize=14)
ax.set_title('XOR Training: Loss Over Time', fontsize=16)
ax.set_yscale('log')
ax.grid(True, alpha=0.3)

# Plot 2: Decision boundary
ax = axes[1]
x_range = np.linspace(-0.5, 1.5, 200)
y_range = np.linspace(-0.5, 1.5, 200)
X_grid, Y_grid = np.meshgrid(x_range, y_range)
grid_input = np.vstack([X_grid.ravel(), Y_grid.ravel()])  # (2, 40000)

Z_grid = mlp.forward(grid_input).reshape(X_grid.shape)

ax.contourf(X_grid, Y_grid, Z_grid, levels=[0, 0.5, 1], 
            colors=['#ADD8E6', '#FFCCCB'], alpha=0.5)
ax.contour(X_grid, Y_grid, Z_grid, levels=[0.5], colors='black', linewidths=2)

# Plot XOR points
ax.scatter([0, 1], [0, 1], s=300, c='blue', marker='o', 
           edgecolors='black', linewidth=3, label='Class 0', zorder=5)
ax.scatter([0, 1], [1, 0], s=300, c='red', marker='s', 
           edgecolors='black', linewidth=3, label='Class 1', zorder=5)

ax.set_xlabel('$x_1$', fontsize=14)
ax.set_ylabel('$x_2$', fontsize=14)
ax.set_title('Learned Decision Boundary', fontsize=16)
ax.legend(fontsize=12)
ax.set_xlim(-0.5, 1.5)
ax.set_ylim(-0.5, 1.5)
ax.grid(True, alpha=0.3)

plt.tight_layout()
plt.show()

def visualize_hidden_neurons(mlp):
    """Visualize what each hidden neuron responds to"""
    x_range = np.linspace(-0.5, 1.5, 200)
    y_range = np.linspace(-0.5, 1.5, 200)
    X_grid, Y_grid = np.meshgrid(x_range, y_range)
    grid_input = np.vstack([X_grid.ravel(), Y_grid.ravel()])
    
    # Get hidden activations
    z1 = mlp.W1 @ grid_input + mlp.b1
    a1 = sigmoid(z1)
    
    n_hidden = a1.shape[0]
    fig, axes = plt.subplots(1, n_hidden, figsize=(5 * n_hidden, 4))
    if n_hidden == 1:
        axes = [axes]
    
    for idx in range(n_hidden):
        ax = axes[idx]
        Z = a1[idx].reshape(X_grid.shape)
        
        contour = ax.contourf(X_grid, Y_grid, Z, levels=20, cmap='RdYlBu_r')
        plt.colorbar(contour, ax=ax)
        
        ax.scatter([0, 1], [0, 1], s=150, c='blue', marker='o', 
                   edgecolors='black', linewidth=2)
        ax.scatter([0, 1], [1, 0], s=150, c='red', marker='s', 
                   edgecolors='black', linewidth=2)
        
        ax.set_xlabel('$x_1$', fontsize=11)
        ax.set_ylabel('$x_2$', fontsize=11)
        ax.set_title(f'Hidden Neuron h{idx+1}', fontsize=13)
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
    
    plt.suptitle('What Each Hidden Neuron Learned', fontsize=16)
    plt.tight_layout()
    plt.show()

visualize_hidden_neurons(mlp)
