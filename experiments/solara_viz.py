"""The model in Mesa's own SolaraViz, with monthly KPI plots from its DataCollector.

    solara run experiments/solara_viz.py

SolaraViz passes the ``model_params`` as Mesa-style keywords (``funding__upfront_share`` is
``funding.upfront_share``). For comparing designs against the baseline use ``p4p-app``.
"""

from mesa.visualization import SolaraViz, make_plot_component

from sim.model.model import TrainingMarketModel

model_params = {
    "seed": {"type": "InputText", "value": 1, "label": "Seed"},
    "population__workers": 2000,
    "population__employers": 100,
    "funding__upfront_share": {
        "type": "SliderFloat",
        "value": 0.0,
        "label": "Upfront share",
        "min": 0.0,
        "max": 1.0,
        "step": 0.1,
    },
}

model = TrainingMarketModel(seed=1, population__workers=2000, population__employers=100)
page = SolaraViz(
    model,
    components=[
        make_plot_component("training_incidence"),
        make_plot_component("employer_net_spend_per_employee"),
        make_plot_component("microcredential_recognition"),
    ],
    model_params=model_params,
    name="p4p-sim",
)
