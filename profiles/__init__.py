"""What we know about hardware, models and engines: catalogs and (later) measured profiles."""

from profiles.efficiency import Efficiency, Engine
from profiles.engines import ENGINES, get_engine
from profiles.errors import CatalogError, ProfilesError
from profiles.gpus import GPUS, GpuSpec, get_gpu
from profiles.hf_config import from_hf_config
from profiles.model_spec import ModelSpec
from profiles.models import MODELS, get_model

__all__ = [
    "ENGINES",
    "GPUS",
    "MODELS",
    "CatalogError",
    "Efficiency",
    "Engine",
    "GpuSpec",
    "ModelSpec",
    "ProfilesError",
    "from_hf_config",
    "get_engine",
    "get_gpu",
    "get_model",
]
