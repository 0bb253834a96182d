"""The Jenkins side: the seed job, deploy, trigger, status and health.

Library code only: functions return data or take a writer callback; the click
commands in `jobsmith.cli.jenkins` print and exit.
"""
