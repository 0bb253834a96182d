"""The queue forecast of `jobsmith schedule`: what Jenkins will do with a spec tree.

`model` turns specs into what the queue sees, `simulate` runs Jenkins' queue over a
window, `analysis` derives per-label figures, advice and warnings, and `report`,
`html` and `svg` present them. docs/forecast.md explains the model and its limits.
"""
