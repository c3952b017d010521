"""Training: the only package that imports TensorFlow/Keras, and only lazily."""
