"""Every write of the assessments, one module per subject: revisions (the only way questions
change), surveys and built-in templates, cycles (opening, closing, recurrence, reminders),
responses (one per member per cycle), stories. Refusals raise AssessmentError (an
ActionRefused)."""
