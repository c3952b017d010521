"""Fields -> digit crops: segmentation and MNIST-style normalisation."""
