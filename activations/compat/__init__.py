"""Old names, parameters and numbers for code ported from Theano, Lasagne and Keras 2.

- ``activations.compat.theano``: ``T.nnet.relu(x, alpha)`` with Theano's slope (1+alpha)/2 at
  0 (alpha a number or an array), ``hard_sigmoid`` as ``clip(0.2x + 0.5, 0, 1)``,
  ``ultra_fast_sigmoid``, Theano's elu, selu, softplus, softsign, sigmoid and tanh, and
  ``softmax``/``logsoftmax`` (each row of a matrix; a vector becomes a 1 x n matrix, with
  Theano's deprecation warning); the same under ``nnet`` (``T.nnet.relu``).
- ``activations.compat.lasagne``: ``rectify``, ``LeakyRectify``, ``leaky_rectify``,
  ``very_leaky_rectify``, ``elu``, ``SELU``/``selu``, ``ScaledTanH``/``ScaledTanh``,
  ``softplus``, ``sigmoid``, ``tanh``, ``linear``, ``identity``, ``softmax`` (Theano's);
  ``lasagne.init`` (Lasagne's initialisers, ``activations.compat.lasagne_init``) and
  ``lasagne.random`` (``get_rng``, ``set_rng``, ``activations.compat.lasagne_random``).
- ``activations.compat.keras2``: Keras 2's activations as tf-keras computes them: the
  backend's ``relu(x, alpha, max_value, threshold)``, ``hard_sigmoid`` (0.2x + 0.5), elu, selu,
  softplus, softsign, sigmoid, tanh, exponential, linear, relu6, swish/silu, gelu and mish,
  and ``softmax(x, axis=-1)`` (rank 2 or more; an int or a tuple of ints for axis).

Every function runs on every backend, like the modern names; docs/porting.md lists the numbers
that change when a port moves from these names to the modern ones.
"""
