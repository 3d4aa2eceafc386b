"""Config checking: unknown keys, types, ranges and cross-field rules, each failure one line.

Every check runs before any simulation work, so a bad value costs nothing and writes nothing.
Messages name the parameter, the value given and what is allowed, e.g.
``funding.outcome_share=1.5 is out of range; allowed: [0, 1]``.

Three layers, all driven by the declarations in :mod:`sim.config` (:func:`sim.params.param`):

* :func:`check_types` walks a plain (nested dict/list) config *before* anything is built, so
  a typo'd key or ``counteroffers=2`` is an error rather than silently coerced;
* :func:`validate` checks every declared range and choice, lists included;
* :func:`_check_rules` checks the rules that join several fields.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import math
import re
import typing
from collections import OrderedDict
from functools import lru_cache
from typing import Any, Mapping

from sim.config.params import allowed_text
from sim.config.schema import MAX_PROGRAMS, SimConfig


class ConfigError(ValueError):
    """A configuration value that the model cannot run with. The message is one line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


# --- conversion ---------------------------------------------------------------------------
def to_sim_config(cfg: Any, overrides: Mapping[str, Any] | None = None) -> SimConfig:
    """A typed SimConfig from a SimConfig or nested mapping plus dotted overrides (``.`` or
    ``__`` between levels: ``funding.outcome_share``, ``funding__outcome_share``).

    Unknown keys and wrong types are refused before anything is built; whole numbers given
    for numbers become floats; settings left out keep the schema's defaults. Plain Python,
    no OmegaConf: the model calls this (a Hydra DictConfig is converted in
    :func:`sim.run.api.plain_dictconfig` first). Ranges are :func:`validate`'s job.
    """
    if cfg is None:
        cfg = SimConfig()
    data = plain_config(cfg)
    check_types(data)
    if isinstance(cfg, SimConfig) and not overrides:
        return cfg  # already typed and checked
    for key, value in (overrides or {}).items():
        key = str(key).replace("__", ".")
        check_override(key, value)
        _set_dotted(data, key, value)
    return _build(SimConfig, data)


def plain_config(cfg: Any) -> dict:
    """A nested dict/list copy of ``cfg`` (a SimConfig or a mapping), without ``hydra``."""
    if dataclasses.is_dataclass(cfg) and not isinstance(cfg, type):
        data = dataclasses.asdict(cfg)
    elif type(cfg).__module__.startswith("omegaconf"):
        raise ConfigError(
            f"config has the wrong type ({type(cfg).__name__}); allowed: a SimConfig or a mapping"
            " of settings (convert a DictConfig with sim.run.api.plain_dictconfig)"
        )
    elif isinstance(cfg, Mapping):
        data = copy.deepcopy(dict(cfg))
    else:
        raise ConfigError(
            f"config={_show(cfg)} has the wrong type ({type(cfg).__name__});"
            " allowed: a SimConfig or a mapping of settings"
        )
    return {k: v for k, v in data.items() if k != "hydra"}


def _set_dotted(data: dict, key: str, value: Any) -> None:
    """Set ``a.b.0.c`` in nested dicts/lists; a mapping is merged into a mapping already there
    (as OmegaConf.update(merge=True) does), anything else replaces what was there."""
    *path, last = key.split(".")
    node: Any = data
    try:
        for part in path:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node[int(last)] = copy.deepcopy(value)
            return
    except IndexError:
        raise ConfigError(
            f"{key} names a list entry that does not exist; allowed: an existing"
            " index, or the whole list"
        ) from None
    if isinstance(value, Mapping) and isinstance(node.get(last), Mapping):
        node[last] = _merged(node[last], value)
    else:
        node[last] = copy.deepcopy(value)


def _merged(base: Mapping, extra: Mapping) -> dict:
    out = dict(base)
    for key, value in extra.items():
        both = isinstance(value, Mapping) and isinstance(out.get(key), Mapping)
        out[key] = _merged(out[key], value) if both else copy.deepcopy(value)
    return out


def _build(schema: type, data: Mapping) -> Any:
    """An instance of ``schema`` from type-checked plain data (defaults for what is missing)."""
    fields = _fields(schema)
    return schema(**{key: _typed(value, fields[key]) for key, value in data.items()})


def _typed(value: Any, declared: Any) -> Any:
    declared = _strip_optional(declared)[1]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    element = _list_element(declared)
    if element is not None and isinstance(value, (list, tuple)):
        return [_typed(item, element) for item in value]
    if _is_schema(declared) and isinstance(value, Mapping):
        return _build(declared, value)
    if declared is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def composition_error_message(exc: BaseException) -> str:
    """One line from an OmegaConf/Hydra error, naming the key when the error knows it."""
    chain, seen = [], exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    key = next((getattr(e, "full_key", None) for e in chain if getattr(e, "full_key", None)), None)
    deepest = chain[-1]
    text = str(deepest).strip().splitlines()[0] if str(deepest).strip() else type(deepest).__name__
    if key and ("not in" in text or "not found" in text):
        return f"{key}: unknown parameter ({text})"
    return f"{key}: {text}" if key else text


# --- types and unknown keys -----------------------------------------------------------------
def check_types(data: Any, schema: type = SimConfig, prefix: str = "") -> None:
    """Refuse unknown keys and values of the wrong type in a plain config for ``schema``."""
    if not isinstance(data, Mapping):
        where = prefix.rstrip(".") or "config"
        raise ConfigError(
            f"{where}={_show(data)} has the wrong type; allowed: a group of settings"
            f" ({', '.join(_fields(schema))})"
        )
    fields = _fields(schema)
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in fields:
            raise ConfigError(_unknown_message(name, str(key), fields, prefix))
        _check_type(name, value, fields[key])


def check_override(key: str, value: Any) -> None:
    """Check one dotted override (``funding.milestones``, ``population.workers``) and its value."""
    schema: Any = SimConfig
    parts = key.split(".")
    for depth, part in enumerate(parts):
        prefix = ".".join(parts[:depth])
        prefix = prefix + "." if prefix else ""
        element = _list_element(schema)
        if element is not None and part.isdigit():
            schema = element
            continue
        if not _is_schema(schema):
            raise ConfigError(
                f"{key} is an unknown parameter; allowed: {prefix.rstrip('.')} itself (it has no sub-keys)"
            )
        fields = _fields(schema)
        if part not in fields:
            raise ConfigError(_unknown_message(key, part, fields, prefix))
        schema = fields[part]
    _check_type(key, value, schema)


def _check_type(name: str, value: Any, declared: Any) -> None:
    if isinstance(value, str) and value.startswith("${"):
        return  # an interpolation; its resolved value is checked by validate()
    nullable, declared = _strip_optional(declared)
    if value is None:
        if not nullable:
            raise ConfigError(f"{name}=null is not allowed; allowed: {_expected(name, declared)}")
        return
    element = _list_element(declared)
    if element is not None:
        if not isinstance(value, (list, tuple)):
            raise _wrong_type(name, value, declared)
        for i, item in enumerate(value):
            if _is_schema(element):
                if dataclasses.is_dataclass(item) and not isinstance(item, type):
                    item = dataclasses.asdict(item)
                check_types(item, element, f"{name}[{i}].")
            else:
                _check_type(f"{name}[{i}]", item, element)
        return
    if _is_schema(declared):
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            value = dataclasses.asdict(value)
        check_types(value, declared, name + ".")
        return
    if not _has_type(value, declared):
        raise _wrong_type(name, value, declared)


def _has_type(value: Any, declared: Any) -> bool:
    if declared is bool:
        return isinstance(value, bool)
    if declared is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if declared is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if declared is str:
        return isinstance(value, str)
    return True


def _wrong_type(name: str, value: Any, declared: Any) -> ConfigError:
    return ConfigError(
        f"{name}={_show(value)} has the wrong type ({_type_name(value)});"
        f" allowed: {_expected(name, declared)}"
    )


def _expected(name: str, declared: Any) -> str:
    meta = _meta_for(name)
    range_text = allowed_text(meta) if meta else ""
    plain = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}
    element = _list_element(declared)
    if element is not None:
        what = element.__name__.replace("Config", "").lower() if _is_schema(element) else "value"
        return f"a list of {what} entries"
    if _is_schema(declared):
        return f"a group of settings ({', '.join(_fields(declared))})"
    text = plain.get(declared, "a value")
    if declared in (int, float) and range_text:
        return (
            f"{text} in {range_text}"
            if range_text.startswith(("[", "("))
            else f"{text} {range_text}"
        )
    if declared is str and range_text:
        return range_text
    return text


def _unknown_message(name: str, key: str, fields: dict, prefix: str) -> str:
    close = difflib.get_close_matches(key, list(fields), n=1)
    where = prefix.rstrip(".") or "the config"
    if close:
        return f"{name} is an unknown parameter (did you mean {prefix}{close[0]}?); allowed: the keys of {where}"
    return f"{name} is an unknown parameter; allowed keys of {where}: {', '.join(fields)}"


def _show(value: Any, limit: int = 80) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        text = repr(value)
    elif isinstance(value, (list, tuple, dict)):
        text = repr(value)
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _type_name(value: Any) -> str:
    names = {
        bool: "true/false",
        int: "whole number",
        float: "number",
        str: "text",
        list: "list",
        tuple: "list",
        dict: "mapping",
    }
    return names.get(type(value), type(value).__name__)


@lru_cache(maxsize=None)
def _fields(schema: type) -> dict:
    hints = typing.get_type_hints(schema)
    return {f.name: hints[f.name] for f in dataclasses.fields(schema)}


def _strip_optional(declared: Any) -> tuple[bool, Any]:
    args = typing.get_args(declared)
    if typing.get_origin(declared) is typing.Union and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return True, rest[0] if len(rest) == 1 else declared
    return False, declared


def _list_element(declared: Any) -> Any:
    if typing.get_origin(declared) in (list, typing.List):
        (element,) = typing.get_args(declared) or (Any,)
        return element
    return None


def _is_schema(declared: Any) -> bool:
    return isinstance(declared, type) and dataclasses.is_dataclass(declared)


def _meta_for(name: str) -> dict:
    """Declared metadata of a dotted parameter name (list indices allowed), or {}."""
    schema: Any = SimConfig
    meta: dict = {}
    for part in re.sub(r"\[\d+\]", "", name).split("."):
        if not _is_schema(schema):
            return {}
        field = next((f for f in dataclasses.fields(schema) if f.name == part), None)
        if field is None:
            return {}
        meta = dict(field.metadata)
        declared = _strip_optional(_fields(schema)[part])[1]
        schema = _list_element(declared) or declared
    return meta


# --- declared ranges ------------------------------------------------------------------------
# Configs that passed validate(), by their full text (a dataclass repr lists every field, so a
# config changed after validation no longer matches). Bounded: a long-lived sweep worker sees
# one config per job.
_VALIDATED: OrderedDict[str, None] = OrderedDict()
_VALIDATED_KEEP = 256


def validate(cfg: SimConfig) -> SimConfig:
    """Check every declared type, range and choice, then the rules that join several fields."""
    if not isinstance(cfg, SimConfig):
        raise ConfigError(
            f"config={_show(cfg)} has the wrong type ({type(cfg).__name__}); allowed: a SimConfig"
            " (use sim.config.validation.settings for mappings and overrides)"
        )
    _check_fields(cfg, "")
    _check_rules(cfg)
    _VALIDATED[repr(cfg)] = None
    while len(_VALIDATED) > _VALIDATED_KEEP:
        _VALIDATED.popitem(last=False)
    return cfg


def is_validated(cfg: Any) -> bool:
    """Whether ``cfg`` is a SimConfig equal to one that passed :func:`validate`."""
    return isinstance(cfg, SimConfig) and repr(cfg) in _VALIDATED


def settings(cfg: Any = None, overrides: Mapping[str, Any] | None = None) -> SimConfig:
    """A validated SimConfig from a config (validated or not, SimConfig or nested mapping)
    plus dotted or Mesa-style (``funding__outcome_share``) overrides; validates only what
    has not been validated already, so a config checked at the edge is not checked again."""
    typed = to_sim_config(cfg, dict(overrides or {}))
    return typed if is_validated(typed) else validate(typed)


def _check_fields(obj: Any, prefix: str) -> None:
    hints = _fields(type(obj))
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            _check_fields(value, name + ".")
            continue
        element = _list_element(_strip_optional(hints[f.name])[1])
        if element is not None and _is_schema(element):
            if not isinstance(value, (list, tuple)):
                raise _wrong_type(name, value, hints[f.name])
            for i, item in enumerate(value):
                if not isinstance(item, element):
                    raise _wrong_type(f"{name}[{i}]", item, element)
                _check_fields(item, f"{name}[{i}].")
            continue
        if f.metadata:
            _check_value(name, value, f.metadata, _strip_optional(hints[f.name])[1])


def _check_value(name: str, value: Any, meta: Mapping, declared: Any) -> None:
    if value is None:
        if not meta.get("nullable"):
            raise ConfigError(f"{name}=null is not allowed; allowed: {allowed_text(meta)}")
        return
    if not _has_type(value, declared):
        raise _wrong_type(name, value, declared)
    element = _list_element(declared)
    if element is not None and isinstance(value, list):  # a list of scalars: each item
        for i, item in enumerate(value):
            _check_value(f"{name}[{i}]", item, meta, element)
        return
    if declared in (int, float) and not math.isfinite(value):
        raise ConfigError(f"{name}={_show(value)} must be finite; allowed: {allowed_text(meta)}")
    choices = meta.get("choices")
    if choices and value not in choices:
        raise ConfigError(f"{name}={_show(value)} is not allowed; allowed: {allowed_text(meta)}")
    pattern = meta.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        raise ConfigError(f"{name}={_show(value)} is not allowed; allowed: {allowed_text(meta)}")
    lo, hi = meta.get("lo"), meta.get("hi")
    too_low = lo is not None and (value <= lo if meta.get("lo_open") else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        raise ConfigError(f"{name}={_show(value)} is out of range; allowed: {allowed_text(meta)}")


# --- rules joining several fields --------------------------------------------------------
def _check_rules(cfg: SimConfig) -> None:
    t, pop, econ, f, creds = cfg.time, cfg.population, cfg.economy, cfg.funding, cfg.credentials
    if t.burn_in >= t.months:
        raise ConfigError(
            f"time.burn_in={t.burn_in} must be less than time.months={t.months}; allowed: [0, {t.months - 1}]"
        )
    employed = int(round(pop.workers * (1 - pop.initial_unemployment)))
    if pop.employers > employed:
        raise ConfigError(
            f"population.employers={pop.employers} exceeds the {employed} initially employed workers;"
            f" allowed: [1, {max(employed, 1)}] (raise population.workers or lower population.initial_unemployment)"
        )
    if econ.release_hours_per_month > econ.hours_per_month:
        raise ConfigError(
            f"economy.release_hours_per_month={econ.release_hours_per_month:g} exceeds"
            f" economy.hours_per_month={econ.hours_per_month:g}; allowed: [0, hours_per_month]"
        )
    if pop.max_employer_size is not None and pop.max_employer_size * pop.employers < employed:
        raise ConfigError(
            f"population.max_employer_size={pop.max_employer_size} cannot hold the {employed}"
            f" initially employed workers in {pop.employers} employers;"
            f" allowed: >= {-(-employed // pop.employers)} or null"
        )
    if f.project_budget is not None and f.project_workforce is None:
        raise ConfigError(
            f"funding.project_budget={f.project_budget:g} needs funding.project_workforce (the"
            " workers the project's labour market has); allowed: a positive number of workers"
        )
    if f.project_budget is not None and f.use_project_budget and f.budget_per_year is not None:
        raise ConfigError(
            f"funding.budget_per_year={f.budget_per_year:g} and funding.project_budget="
            f"{f.project_budget:g} are both set; allowed: one of them (or neither: unlimited;"
            " or funding.use_project_budget=false)"
        )
    _check_milestones(cfg)
    _check_eligibility(cfg)
    if creds.initial_understanding > creds.initial_awareness:
        raise ConfigError(
            f"credentials.initial_understanding={creds.initial_understanding:g} exceeds"
            f" credentials.initial_awareness={creds.initial_awareness:g}; allowed: [0, initial_awareness]"
        )
    _check_programs(cfg)
    _check_sectors(cfg)
    _check_jobseekers(cfg)
    _check_trial(cfg)


def _check_trial(cfg: SimConfig) -> None:
    """A trial must fit the economy and the run, and have both arms when it has a control."""
    trial, t, pop = cfg.trial, cfg.time, cfg.population
    if not trial.enabled:
        return
    pool = (
        pop.employers
        if trial.unit == "employer"
        else int(pop.workers * (1 - pop.initial_unemployment))
    )
    if trial.enrolled > pool:
        raise ConfigError(
            f"trial.enrolled={trial.enrolled} exceeds the {pool} {trial.unit}s the economy has"
            f" at the start; allowed: [1, {pool}]"
        )
    if trial.pre_months > t.burn_in:
        raise ConfigError(
            f"trial.pre_months={trial.pre_months} exceeds time.burn_in={t.burn_in} (the"
            f" baseline must come before the trial); allowed: [1, {max(t.burn_in, 1)}]"
        )
    if trial.design == "prepost":
        if trial.treatment_share != 1.0:
            raise ConfigError(
                f"trial.treatment_share={trial.treatment_share:g} with trial.design=prepost;"
                " allowed: 1 (a pre/post design treats every enrolled unit)"
            )
    else:
        treated = int(trial.enrolled * trial.treatment_share)
        if not 1 <= treated <= trial.enrolled - 1:
            raise ConfigError(
                f"trial.treatment_share={trial.treatment_share:g} of trial.enrolled={trial.enrolled}"
                f" gives {treated} treated units; allowed: a share leaving at least one treated"
                f" and one control unit (or trial.design=prepost)"
            )
    follow_up = trial_follow_up_months(cfg)
    if t.burn_in + follow_up > t.months:
        raise ConfigError(
            f"the trial's follow-up of {follow_up} months from time.burn_in={t.burn_in} ends after"
            f" time.months={t.months}; allowed: trial.follow_up_months <= {t.months - t.burn_in}"
        )
    if trial.design == "waitlist" and follow_up > trial.waitlist_months:
        raise ConfigError(
            f"trial.follow_up_months={follow_up} exceeds trial.waitlist_months={trial.waitlist_months}"
            " (controls would be treated during follow-up); allowed: <= waitlist_months"
        )


def trial_follow_up_months(cfg: SimConfig) -> int:
    """Months after the trial start over which the trial's outcomes are measured."""
    trial = cfg.trial
    if trial.follow_up_months is not None:
        return trial.follow_up_months
    if trial.design == "waitlist":
        return trial.waitlist_months
    if trial.design == "prepost":
        return trial.pre_months
    return cfg.time.months - cfg.time.burn_in


def _check_milestones(cfg: SimConfig) -> None:
    f = cfg.funding
    _check_payment_schedule("funding", f.upfront_share, f.outcome_share, f.milestones)


def _check_payment_schedule(prefix: str, upfront: float, outcome: float, milestones) -> None:
    """Upfront and outcome shares add up to at most 1; each milestone event appears once,
    their weights add up to at most 1, and an outcome share has milestones to pay on."""
    total = upfront + outcome
    if total > 1 + 1e-9:
        raise ConfigError(
            f"{prefix}.upfront_share + {prefix}.outcome_share = {upfront:g} + {outcome:g}"
            f" = {total:g} exceeds 1; allowed: shares in [0, 1] adding up to at most 1"
        )
    seen = set()
    for i, m in enumerate(milestones):
        if m.event in seen:
            raise ConfigError(
                f"{prefix}.milestones[{i}].event={m.event!r} appears twice; allowed: each event at most once"
            )
        seen.add(m.event)
    weights = sum(m.weight for m in milestones)
    if weights > 1 + 1e-6:
        raise ConfigError(
            f"{prefix}.milestones weights add up to {weights:g}; allowed: a total in (0, 1]"
        )
    if outcome > 0 and not milestones:
        raise ConfigError(
            f"{prefix}.outcome_share={outcome:g} needs at least one {prefix}.milestones entry;"
            " allowed: outcome_share=0 or a non-empty milestone list"
        )


def _check_eligibility(cfg: SimConfig) -> None:
    """Eligibility rules must leave someone eligible."""
    rules, pop = cfg.funding.eligibility, cfg.population
    if rules.disadvantaged_only and pop.disadvantaged_share == 0:
        raise ConfigError(
            "funding.eligibility.disadvantaged_only=true leaves no one eligible because"
            " population.disadvantaged_share=0; allowed: disadvantaged_share in (0, 1]"
        )
    if rules.sme_only and cfg.economy.sme_size <= 1:
        raise ConfigError(
            f"funding.eligibility.sme_only=true leaves no one eligible because"
            f" economy.sme_size={cfg.economy.sme_size} (no employer has fewer than"
            f" {cfg.economy.sme_size} employees); allowed: sme_size >= 2"
        )


MAX_SECTORS = 100


def _check_jobseekers(cfg: SimConfig) -> None:
    """The pathway's programs are in the catalogue and its payments a valid schedule."""
    js = cfg.jobseekers
    names = [p.name for p in cfg.credentials.programs]
    for i, name in enumerate(js.programs):
        if name not in names:
            raise ConfigError(
                f"jobseekers.programs[{i}]={name!r} is not in the catalogue; allowed: one of"
                f" {', '.join(names)} (credentials.programs)"
            )
    _check_payment_schedule("jobseekers", js.upfront_share, js.outcome_share, js.milestones)


def _check_sectors(cfg: SimConfig) -> None:
    """Sectors: unique names, employer shares and each sector's domain weights adding up to
    1, and every program's domain valued by some sector."""
    sectors = cfg.economy.sectors
    if not 1 <= len(sectors) <= MAX_SECTORS:
        raise ConfigError(
            f"economy.sectors has {len(sectors)} sectors; allowed: 1 to {MAX_SECTORS}"
        )
    names = [s.name for s in sectors]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(
                f"economy.sectors[{i}].name={name!r} appears twice; allowed: unique names"
            )
    share = sum(s.employer_share for s in sectors)
    if abs(share - 1) > 1e-6:
        raise ConfigError(
            f"economy.sectors[].employer_share add up to {share:g}; allowed: shares adding up to 1"
        )
    for i, s in enumerate(sectors):
        name = f"economy.sectors[{i}]"
        if not s.domains or len(s.domains) != len(s.domain_weights):
            raise ConfigError(
                f"{name}.domain_weights has {len(s.domain_weights)} weights for"
                f" {len(s.domains)} domains; allowed: one weight per domain, at least one domain"
            )
        if len(set(s.domains)) != len(s.domains):
            raise ConfigError(f"{name}.domains={s.domains} repeats a domain; allowed: unique names")
        if abs(max(s.domain_weights) - 1) > 1e-9:
            raise ConfigError(
                f"{name}.domain_weights={s.domain_weights} has largest weight"
                f" {max(s.domain_weights):g}; allowed: weights in [0, 1] relative to the most"
                " valued domain, whose weight is 1"
            )
        window = cfg.time.months - cfg.time.burn_in
        if s.shock_month is not None and s.shock_month >= window:
            raise ConfigError(
                f"{name}.shock_month={s.shock_month} is after the run (its {window} policy"
                f" months); allowed: [0, {window - 1}] (months after the policy start) or null"
            )
    valued = {d for s in sectors for d in s.domains}
    for i, p in enumerate(cfg.credentials.programs):
        if p.domain not in valued:
            raise ConfigError(
                f"credentials.programs[{i}].domain={p.domain!r} is valued by no sector;"
                f" allowed: one of {', '.join(sorted(valued))} (economy.sectors[].domains)"
            )


def _check_programs(cfg: SimConfig) -> None:
    programs = cfg.credentials.programs
    if not 1 <= len(programs) <= MAX_PROGRAMS:
        raise ConfigError(
            f"credentials.programs has {len(programs)} programs; allowed: 1 to {MAX_PROGRAMS}"
        )
    seen = set()
    for i, p in enumerate(programs):
        if p.name in seen:
            raise ConfigError(
                f"credentials.programs[{i}].name={p.name!r} appears twice; allowed: unique names"
            )
        seen.add(p.name)
