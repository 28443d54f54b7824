"""Where collected datapoints go: a Roboflow project or a local dataset folder."""

from framesieve.destinations.base import Delivery, Destination
from framesieve.destinations.datapoint import Datapoint
from framesieve.destinations.local import LocalDataset
from framesieve.destinations.roboflow import RoboflowDestination
from framesieve.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError

__all__ = [
    "Datapoint",
    "Delivery",
    "DeliveryError",
    "Destination",
    "LocalDataset",
    "PermanentDeliveryError",
    "RoboflowDestination",
    "TransientDeliveryError",
]
