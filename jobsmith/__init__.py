"""jobsmith: scheduled and on-demand batch jobs on Jenkins, from YAML specs."""

__version__ = "0.1.0"
