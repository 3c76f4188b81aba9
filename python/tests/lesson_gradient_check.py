# The lesson's gradient_check (section 8) and full_gradient_check (Exercise 9.5), verbatim,
# with `from backprop import MLP` in place of the lesson's class. Run by test_lesson.py.
import numpy as np
from backprop import MLP

def gradient_check(mlp, X, y, epsilon=1e-7):
    """
    Verify backprop gradients against numerical gradients.
    
    Returns the maximum relative error.
    """
    # Get analytical gradients from backprop
    mlp.forward(X)
    dW1, db1, dW2, db2 = mlp.backward(X, y, lr=0.0)  # lr=0 so weights don't change
    
    max_error = 0
    
    # Check each parameter set
    for name, param, grad in [('W1', mlp.W1, dW1), ('b1', mlp.b1, db1),
                               ('W2', mlp.W2, dW2), ('b2', mlp.b2, db2)]:
        print(f"\nChecking {name} (shape {param.shape}):")
        
        # Numerical gradient for each element
        num_grad = np.zeros_like(param)
        
        for idx in np.ndindex(param.shape):
            # Save original
            original = param[idx]
            
            # L(w + ε)
            param[idx] = original + epsilon
            mlp.forward(X)
            loss_plus = mlp.compute_loss(y)
            
            # L(w - ε)
            param[idx] = original - epsilon
            mlp.forward(X)
            loss_minus = mlp.compute_loss(y)
            
            # Numerical gradient
            num_grad[idx] = (loss_plus - loss_minus) / (2 * epsilon)
            
            # Restore
            param[idx] = original
        
        # Compare
        diff = np.abs(grad - num_grad)
        denom = np.maximum(np.abs(grad) + np.abs(num_grad), 1e-8)
        relative_error = np.max(diff / denom)
        max_error = max(max_error, relative_error)
        
        print(f"  Max absolute diff:  {np.max(diff):.2e}")
        print(f"  Max relative error: {relative_error:.2e}")
        
        if relative_error < 1e-5:
            print(f"  ✓ PASSED")
        else:
            print(f"  ✗ FAILED — check your backprop implementation!")
    
    return max_error


def full_gradient_check():
    """
    Test gradient correctness for:
    a) 2-2-1 network
    b) 3-4-1 network
    c) 2-3-2 network (2 outputs!)
    
    For each:
    1. Create the network
    2. Create a small random dataset (1-2 samples)
    3. Run gradient_check()
    4. Verify all pass with relative error < 1e-5
    """
    configs = [
        (2, 2, 1, "2-2-1"),
        (3, 4, 1, "3-4-1"),
        (2, 3, 2, "2-3-2"),
    ]
    
    for n_in, n_hid, n_out, name in configs:
        print(f"\n{'='*50}")
        print(f"Testing {name} network")
        print(f"{'='*50}")
        
        np.random.seed(42)
        mlp = MLP(n_in, n_hid, n_out)
        X = np.random.randn(n_in, 2)   # 2 samples
        y = np.random.rand(n_out, 2)   # random targets
        
        max_err = gradient_check(mlp, X, y)
        print(f"\nResult for {name}: max error = {max_err:.2e} → "
              f"{'✓ PASS' if max_err < 1e-5 else '✗ FAIL'}")

# full_gradient_check()
