"""The context of a conversation, kept in the tracker's slots so that it survives a restart, a second
instance, a takeover and a model deploy (domain/core.yml, domain/scope.yml):

- ``topic``: what the last answer was about: an FAQ key (``controle``), or ``verdict`` after the scope
  check's verdict;
- ``last_check``: the last verdict and the answers it rests on (actions/scope_verdict.verdict_record).
"""

TOPIC = "topic"
LAST_CHECK = "last_check"
VERDICT_TOPIC = "verdict"
# True for one step: a reply left the scope check to go on with answers the message gave (the form runs next).
CHECK_TO_CONTINUE = "check_to_continue"
