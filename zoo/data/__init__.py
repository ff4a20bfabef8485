"""Data sets, read from local files or downloaded with a hash check: Fashion-MNIST, MNIST,
CIFAR-10, IMDB, and any TFDS classification set as `tfds:NAME` (`zoo.data.datasets`).

    >>> ds = zoo.data.load_dataset("fashion_mnist", train_size=5000, seed=0)
"""

from zoo.data.datasets import DATASETS, DatasetInfo, dataset_info, list_datasets, load_dataset
from zoo.data.files import search_dirs
from zoo.data.splits import Dataset

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetInfo",
    "dataset_info",
    "list_datasets",
    "load_dataset",
    "search_dirs",
]
