"""The Python detector: requirements files, pyproject.toml, Pipfile, setup.cfg/setup.py, lock files,
runtime version files, frameworks and the start command.  docs/detection/python.md describes it."""

from matrixhell.detect.python.detector import PythonDetector

__all__ = ["PythonDetector"]
