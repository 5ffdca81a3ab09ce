from core.errors import ActionRefused


class AssessmentError(ActionRefused):
    """An assessment action the rules refuse; the message says why."""
