"""matrixhell: end the matrix from hell of a multi-service repository."""

__version__ = "0.1.0"

__all__ = ["__version__"]
