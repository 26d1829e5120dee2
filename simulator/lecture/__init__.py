"""After the Mark I: the lecture's path from the perceptron to backpropagation.

The course notes this project also teaches start from one neuron, y = f(w . x + b), go
through the perceptron rule and logistic regression, and end with a multi-layer network
trained by backpropagation, worked by hand on a 2-2-2 network. Each module here is one of
those steps, in numpy only:

- :mod:`.activations`: the activation functions and their derivatives;
- :mod:`.neuron`: one neuron, and the perceptron as the lecture teaches it;
- :mod:`.logistic`: logistic regression by gradient descent, and the decision threshold;
- :mod:`.network`: a feed-forward network trained by backpropagation;
- :mod:`.gradcheck`: backpropagation's gradients checked by finite differences;
- :mod:`.worked`: the lecture's worked examples, computed by the general code;
- :mod:`.xorcards`: two-input XOR as retina cards;
- :mod:`.contrast`: what one trainable layer cannot do and a hidden layer can (XOR, parity),
  and logistic regression's decision threshold on a card task;
- :mod:`.commands`: the ``mark1 lecture`` command line;
- :mod:`.validate`: the one-line ConfigErrors for bad settings.
"""
