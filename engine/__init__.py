"""NN Playground's engine: every building block of the basics in NumPy, exact to PyTorch."""
