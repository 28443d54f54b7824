"""Where collected datapoints go: a Roboflow project or a local dataset folder."""

from framesieve.destinations.base import (
    Delivery,
    DeliveryError,
    Destination,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from framesieve.destinations.coco import export_coco
from framesieve.destinations.local import LocalDataset
from framesieve.destinations.roboflow import RoboflowDestination

__all__ = [
    "Delivery",
    "DeliveryError",
    "Destination",
    "LocalDataset",
    "PermanentDeliveryError",
    "RoboflowDestination",
    "TransientDeliveryError",
    "export_coco",
]
