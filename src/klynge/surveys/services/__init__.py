"""Every write of the surveys app; import from here (`from klynge.surveys import services`).
The modules are split by concern:

- `builder`: surveys, their settings, opening and closing;
- `questions`: questions and options, conditions and their order;
- `invitations`: personal links, inviting an audience, reminders, the e-mails;
- `responses`: checking and saving answers (one response per invitation);
- `needs`: a free-text answer recorded as an organisation's need, with a CRM task.
"""

from klynge.surveys.services.builder import (
    close_due_surveys,
    close_survey,
    completeness_problems,
    create_survey,
    delete_survey,
    open_survey,
    update_survey,
)
from klynge.surveys.services.invitations import (
    invitation_for_token,
    invite,
    link_for,
    send_due_reminders,
    send_invitation_email,
    send_reminders,
    token_for,
)
from klynge.surveys.services.needs import record_need, remove_need
from klynge.surveys.services.questions import (
    QuestionData,
    add_question,
    allowed_condition_values,
    move_question,
    remove_question,
    update_question,
)
from klynge.surveys.services.responses import (
    answers_as_data,
    field_name,
    is_shown,
    parse_answers,
    questions_of,
    submit_response,
)

__all__ = [
    "QuestionData",
    "add_question",
    "allowed_condition_values",
    "answers_as_data",
    "close_due_surveys",
    "close_survey",
    "completeness_problems",
    "create_survey",
    "delete_survey",
    "field_name",
    "invitation_for_token",
    "invite",
    "is_shown",
    "link_for",
    "move_question",
    "open_survey",
    "parse_answers",
    "questions_of",
    "record_need",
    "remove_need",
    "remove_question",
    "send_due_reminders",
    "send_invitation_email",
    "send_reminders",
    "submit_response",
    "token_for",
    "update_question",
    "update_survey",
]
