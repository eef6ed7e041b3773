"""The step services: a phase's own data, written by whoever holds its open work task.

Above the domain packages (they read the plan's rows and the task rows of ``deadlines``),
below the forms and the flow, beside the launch orchestration.
"""
