"""Writes to the KPI domain, one module per concept; every write is audited."""

from .measurements import (
    measurement_correct,
    measurement_submit,
    measurement_validate,
    service_level_change_target,
)

__all__ = ["measurement_correct", "measurement_submit", "measurement_validate", "service_level_change_target"]

# Figures from vendors: review by managers, file uploads and evidence files.
from .evidence import evidence_attach, evidence_check  # noqa: E402
from .reviews import ReviewDecision, measurement_review  # noqa: E402
from .uploads import upload_check, upload_confirm  # noqa: E402

__all__ += [
    "ReviewDecision",
    "evidence_attach",
    "evidence_check",
    "measurement_review",
    "upload_check",
    "upload_confirm",
]

# The breach workflow, both sides, and dispute decisions.
from .breaches import (  # noqa: E402
    breach_accept_response,
    breach_acknowledge,
    breach_allowed_steps,
    breach_close,
    breach_comment,
    breach_dispute,
    breach_request_more,
    breach_respond,
    breach_step_permitted,
    breach_waive,
    dispute_resolve,
)

__all__ += [
    "breach_accept_response",
    "breach_acknowledge",
    "breach_allowed_steps",
    "breach_close",
    "breach_comment",
    "breach_dispute",
    "breach_request_more",
    "breach_respond",
    "breach_step_permitted",
    "breach_waive",
    "dispute_resolve",
]

# A vendor's dispute of a figure (decided with ``dispute_resolve``).
from .figure_disputes import may_dispute_figure, measurement_dispute  # noqa: E402

__all__ += ["may_dispute_figure", "measurement_dispute"]

# A vendor's correction of a figure that counts waits for a manager's decision.
from .correction_requests import correction_request_decide, may_decide_corrections  # noqa: E402

__all__ += ["correction_request_decide", "may_decide_corrections"]
