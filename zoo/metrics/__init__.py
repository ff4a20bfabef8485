"""Metrics beyond what Keras computes in `fit`: the GAN metrics (domain FID, class coverage)."""
