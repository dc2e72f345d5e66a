"""Settings of the reduce stage: how to thin the field into points, and the errors that are acceptable.

Pydantic models, validated like the rest of a config (``reduce:`` section);
defined here, beside the stage that uses them, so that the stage never imports
the config driver.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Section):
    """Largest acceptable errors of a reduction; a check above one is reported (and the CLI exits 3).

    Examples
    --------
    >>> Tolerance(rmse_percent=1.0).rmse_percent, Tolerance().p99_percent
    (1.0, None)
    """

    rmse_percent: float | None = Field(None, gt=0, description="reconstruction RMSE, % of vmax - vmin")
    p99_percent: float | None = Field(None, gt=0, description="99th-percentile reconstruction error, % of range")
    max_abs_percent: float | None = Field(None, gt=0, description="largest reconstruction error, % of range")
    delta_e_mean: float | None = Field(None, gt=0, description="mean colour round-trip delta E")
    delta_e_p95: float | None = Field(None, gt=0, description="95th-percentile colour round-trip delta E")


class Reduce(_Section):
    """Reduce the decoded field to a sparse point cloud, and check what that costs.

    Usable in a config file (``reduce:`` section) and in Python::

        chromagrid.digitize(..., reduce=chromagrid.Reduce(gradient_tol=0.0, eps=1.5, min_samples=1))

    Examples
    --------
    >>> settings = Reduce(gradient_tol=0.0, eps=1.5, min_samples=1)
    >>> settings.method, settings.reconstruct
    ('auto', 'linear')
    >>> Reduce(target_rmse_percent=0.5, tolerance={"rmse_percent": 1.0}).tolerance.rmse_percent
    1.0
    """

    gradient_tol: float | None = Field(
        0.0,
        ge=0,
        description="keep pixels whose value differs from each "
        "neighbour's by at most this (value units; 0 keeps exact plateaus; "
        "null keeps every valid pixel)",
    )
    eps: float = Field(1.5, gt=0, description="DBSCAN neighbourhood radius in pixels")
    min_samples: int = Field(1, ge=1, description="DBSCAN core-point size; 1 makes every kept pixel a member")
    method: Literal["auto", "components", "dbscan"] = Field(
        "auto",
        description="components: connected-component labelling (eps < 2, min_samples 1); "
        "dbscan: scikit-learn; auto: components where it gives the same clusters",
    )
    thin: int | None = Field(
        None,
        ge=2,
        description="split clusters along a square grid of this many pixels (several points for a large plateau)",
    )
    target_rmse_percent: float | None = Field(
        None,
        gt=0,
        description="search gradient_tol and thin for the "
        "fewest points whose reconstruction RMSE meets this % of range",
    )
    reconstruct: Literal["linear", "nearest", "cubic"] = Field(
        "linear", description="how the grid is rebuilt from the points (scipy griddata)"
    )
    outside: Literal["nearest", "nan"] = Field(
        "nearest", description="reconstructed value outside the points' convex hull: the nearest point's, or NaN"
    )
    tolerance: Tolerance = Tolerance()

    @model_validator(mode="after")
    def _consistent(self):
        if self.method == "components" and (self.min_samples != 1 or self.eps >= 2):
            raise ValueError(
                f"method: components needs min_samples 1 and eps < 2 (got min_samples "
                f"{self.min_samples}, eps {self.eps}); use method: dbscan or auto"
            )
        if self.target_rmse_percent is not None:
            fixed = sorted({"gradient_tol", "thin"} & self.model_fields_set)
            if fixed:
                raise ValueError(
                    f"target_rmse_percent searches {' and '.join(fixed)} itself; "
                    f"remove {', '.join(fixed)} or target_rmse_percent"
                )
        return self
