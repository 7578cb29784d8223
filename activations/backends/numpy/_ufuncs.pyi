# The compiled relu ufuncs (_ufuncs.c): float16, float32 and float64 loops.
import numpy as np

relu: np.ufunc
relu_derivative: np.ufunc
relu_vjp: np.ufunc
