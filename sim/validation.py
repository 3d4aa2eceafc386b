"""Config checking: types, ranges and cross-field rules, each failure one line.

Every check runs before any simulation work, so a bad value costs nothing and writes nothing.
Messages name the parameter, the value given and what is allowed, e.g.
``funding.outcome_share=1.5 is out of range; allowed: [0, 1]``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from .config import DELIVERY_MODES, MILESTONE_EVENTS, SimConfig
from .params import allowed_text

MAX_PROGRAMS = 16  # credentials are a 16-bit mask


class ConfigError(ValueError):
    """A configuration value that the model cannot run with. The message is one line."""


def to_sim_config(cfg: Any, overrides: dict | None = None) -> SimConfig:
    """Turn a SimConfig, DictConfig or plain dict (plus dotted overrides) into a typed SimConfig."""
    if isinstance(cfg, SimConfig) and not overrides:
        return cfg  # already typed: skip the (slow) OmegaConf round trip; validate() checks it
    try:
        schema = OmegaConf.structured(SimConfig)
        if isinstance(cfg, SimConfig):
            merged = OmegaConf.merge(schema, OmegaConf.structured(cfg))
        else:
            data = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
            data = {k: v for k, v in dict(data or {}).items() if k != "hydra"}
            merged = OmegaConf.merge(schema, data)
        for key, value in (overrides or {}).items():
            OmegaConf.update(merged, key.replace("__", "."), value, merge=True)
        return OmegaConf.to_object(merged)
    except OmegaConfBaseException as exc:
        raise ConfigError(_omegaconf_message(exc)) from None


def _omegaconf_message(exc: OmegaConfBaseException) -> str:
    key = getattr(exc, "full_key", None) or ""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "not in" in text or "Key '" in text and "not" in text:
        return f"{key or text}: unknown parameter ({text})"
    return f"{key}: {text}" if key else text


def validate(cfg: SimConfig) -> SimConfig:
    """Check every declared range and the rules that join several fields."""
    _check_fields(cfg, "")
    _check_rules(cfg)
    return cfg


def _check_fields(obj: Any, prefix: str) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _check_fields(value, name + ".")
            continue
        meta = f.metadata
        if not meta:
            continue
        _check_value(name, value, meta, f.type)


def _check_value(name: str, value: Any, meta: dict, declared: Any) -> None:
    if value is None:
        if not meta.get("nullable"):
            raise ConfigError(f"{name}=null is not allowed; allowed: {allowed_text(meta)}")
        return
    expected = _python_type(declared)
    if expected is bool and not isinstance(value, bool):
        raise ConfigError(f"{name}={value!r} has the wrong type; allowed: true or false")
    if expected in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{name}={value!r} has the wrong type; allowed: a number, {allowed_text(meta)}")
        if expected is int and float(value) != int(value):
            raise ConfigError(f"{name}={value!r} must be a whole number; allowed: {allowed_text(meta)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{name}={value!r} must be finite; allowed: {allowed_text(meta)}")
    if expected is str and not isinstance(value, str):
        raise ConfigError(f"{name}={value!r} has the wrong type; allowed: text")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{name}={value!r} is not allowed; allowed: {allowed_text(meta)}")
    lo, hi = meta.get("lo"), meta.get("hi")
    too_low = lo is not None and (value <= lo if meta.get("lo_open") else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        raise ConfigError(f"{name}={value!r} is out of range; allowed: {allowed_text(meta)}")


def _python_type(declared: Any) -> Any:
    text = str(declared)
    for t in (bool, int, float, str):
        if declared is t or text in (t.__name__, f"Optional[{t.__name__}]") or t.__name__ in text:
            return t
    return None


def _check_rules(cfg: SimConfig) -> None:
    t, pop, f, creds = cfg.time, cfg.population, cfg.funding, cfg.credentials
    if t.burn_in >= t.months:
        raise ConfigError(
            f"time.burn_in={t.burn_in} must be less than time.months={t.months}; allowed: [0, {t.months - 1}]"
        )
    employed = int(round(pop.workers * (1 - pop.initial_unemployment)))
    if pop.employers > employed:
        raise ConfigError(
            f"population.employers={pop.employers} exceeds the {employed} initially employed workers;"
            f" allowed: [1, {employed}] (raise population.workers or lower population.initial_unemployment)"
        )
    total = f.upfront_share + f.outcome_share
    if total > 1 + 1e-9:
        raise ConfigError(
            f"funding.upfront_share + funding.outcome_share = {total:g} exceeds 1;"
            f" allowed: shares in [0, 1] adding up to at most 1"
        )
    _check_milestones(cfg)
    if f.eligibility.disadvantaged_only and pop.disadvantaged_share == 0:
        raise ConfigError(
            "funding.eligibility.disadvantaged_only=true leaves no one eligible because"
            " population.disadvantaged_share=0; allowed: disadvantaged_share in (0, 1]"
        )
    if creds.initial_understanding > creds.initial_awareness:
        raise ConfigError(
            f"credentials.initial_understanding={creds.initial_understanding:g} exceeds"
            f" credentials.initial_awareness={creds.initial_awareness:g}; allowed: [0, initial_awareness]"
        )
    _check_programs(cfg)


def _check_milestones(cfg: SimConfig) -> None:
    f = cfg.funding
    seen = set()
    for i, m in enumerate(f.milestones):
        where = f"funding.milestones[{i}]"
        if m.event not in MILESTONE_EVENTS:
            raise ConfigError(f"{where}.event={m.event!r} is not allowed; allowed: one of {', '.join(MILESTONE_EVENTS)}")
        if m.event in seen:
            raise ConfigError(f"{where}.event={m.event!r} appears twice; allowed: each event at most once")
        seen.add(m.event)
        if isinstance(m.weight, bool) or not isinstance(m.weight, (int, float)) or not 0 < m.weight <= 1:
            raise ConfigError(f"{where}.weight={m.weight!r} is out of range; allowed: (0, 1]")
        if isinstance(m.lag, bool) or not isinstance(m.lag, int) or not 0 <= m.lag <= 120:
            raise ConfigError(f"{where}.lag={m.lag!r} is out of range; allowed: whole months in [0, 120]")
    weights = sum(m.weight for m in f.milestones)
    if weights > 1 + 1e-6:
        raise ConfigError(f"funding.milestones weights add up to {weights:g}; allowed: a total of at most 1")
    if f.outcome_share > 0 and not f.milestones:
        raise ConfigError(
            f"funding.outcome_share={f.outcome_share:g} needs at least one funding.milestones entry;"
            " allowed: outcome_share=0 or a non-empty milestone list"
        )


def _check_programs(cfg: SimConfig) -> None:
    programs = cfg.credentials.programs
    if not 1 <= len(programs) <= MAX_PROGRAMS:
        raise ConfigError(
            f"credentials.programs has {len(programs)} programs; allowed: 1 to {MAX_PROGRAMS}"
        )
    for i, p in enumerate(programs):
        where = f"credentials.programs[{i}]"
        if not isinstance(p.months, int) or isinstance(p.months, bool) or not 1 <= p.months <= 6:
            raise ConfigError(f"{where}.months={p.months!r} is out of range; allowed: whole months in [1, 6]")
        if not p.tuition > 0:
            raise ConfigError(f"{where}.tuition={p.tuition!r} is out of range; allowed: > 0")
        if p.mode not in DELIVERY_MODES:
            raise ConfigError(f"{where}.mode={p.mode!r} is not allowed; allowed: one of {', '.join(DELIVERY_MODES)}")
        if not 0 < p.gain <= 1:
            raise ConfigError(f"{where}.gain={p.gain!r} is out of range; allowed: (0, 1]")
        if not 0 <= p.stack < MAX_PROGRAMS:
            raise ConfigError(f"{where}.stack={p.stack!r} is out of range; allowed: [0, {MAX_PROGRAMS - 1}]")
