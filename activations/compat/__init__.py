"""Old names, parameters and numbers for code ported from Theano, Lasagne and Keras 2.

- ``activations.compat.theano``: ``T.nnet.relu(x, alpha)`` with Theano's slope (1+alpha)/2 at
  0, ``hard_sigmoid`` as ``clip(0.2x + 0.5, 0, 1)``, and Theano's elu, selu, softplus, sigmoid
  and tanh.
- ``activations.compat.lasagne``: ``rectify``, ``LeakyRectify``, ``leaky_rectify``,
  ``very_leaky_rectify``, ``elu``, ``SELU``/``selu``, ``ScaledTanH``/``ScaledTanh``,
  ``softplus``, ``sigmoid``, ``tanh``, ``linear``, ``identity``.
- ``activations.compat.keras2``: the Keras 2 backend's ``relu(x, alpha, max_value, threshold)``.

Every function runs on every backend, like the modern names; docs/porting.md lists the numbers
that change when a port moves from these names to the modern ones.
"""
