"""Reduce stage: the decoded field as a sparse point cloud, and what that costs.

Takes a grid of values; gives points (gradient mask, clusters within each
colour level, centroids snapped to a member: :func:`reduce_field`), the grid
rebuilt from them (:func:`reconstruct`), the error checks, and a picture.
"""

from chromagrid.reduce.checks import build_checks, reconstruct, reconstruction_errors
from chromagrid.reduce.cluster import Reduction, reduce_field
from chromagrid.reduce.settings import Reduce, Tolerance

__all__ = ["Reduce", "Tolerance", "Reduction", "reduce_field", "reconstruct", "reconstruction_errors", "build_checks"]
