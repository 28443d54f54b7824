"""Deciding which frames to keep (SPEC §3, §4.1, §4.6, §9): the Rust-backed
:class:`Sampler`, the :class:`Plan` the engine derives from a configuration,
batch names, datapoint tags, near-duplicate suppression and diversity on embeddings."""

from framesieve.sampling.batches import BatchNamer, batch_name
from framesieve.sampling.dedup import NearDuplicateFilter, filter_from_config, hamming, image_hash
from framesieve.sampling.diversity import DiversityFilter, diversity_from_config
from framesieve.sampling.plan import Plan, build_plan
from framesieve.sampling.sampler import Sampler
from framesieve.sampling.tags import datapoint_tags

__all__ = [
    "BatchNamer",
    "DiversityFilter",
    "NearDuplicateFilter",
    "Plan",
    "Sampler",
    "batch_name",
    "build_plan",
    "datapoint_tags",
    "diversity_from_config",
    "filter_from_config",
    "hamming",
    "image_hash",
]
