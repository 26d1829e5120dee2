"""A faithful, fast simulator of Frank Rosenblatt's Mark I Perceptron (1958-1960)."""

from .errors import CardError, ConfigError, DeviceError, Mark1Error, StateFileError
from .machine import MarkI, TrainingTrace
from .retina import Retina, light_levels

__all__ = ["MarkI", "TrainingTrace", "Retina", "light_levels", "Mark1Error", "ConfigError",
           "CardError", "StateFileError", "DeviceError"]
__version__ = "0.1.0"
