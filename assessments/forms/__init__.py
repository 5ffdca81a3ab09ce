"""The assessments' forms, one module per part (builder, answers, cycles, stories)."""
