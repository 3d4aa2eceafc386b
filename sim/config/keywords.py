"""Mesa-style keyword parameters: ``funding__outcome_share=0.5`` is ``funding.outcome_share=0.5``.

Mesa's tools (``mesa.batch_run``, SolaraViz) pass model parameters as Python keywords, which
cannot contain dots; a double underscore stands for each dot of the config path.
"""

from __future__ import annotations

from typing import Any, Mapping

KEYWORD_SEPARATOR = "__"


def keyword_overrides(keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted config overrides from Mesa-style keywords (``population__workers`` -> ``population.workers``)."""
    return {key.replace(KEYWORD_SEPARATOR, "."): value for key, value in keywords.items()}
