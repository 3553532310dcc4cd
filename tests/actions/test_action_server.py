"""The action server can load the package and serves every action the domain names."""

from rasa_sdk.executor import ActionExecutor


def test_every_domain_action_is_registered(domain):
    executor = ActionExecutor()
    executor.register_package("actions")  # raises if an action cannot be registered
    custom = {"action_answer_faq", "action_out_of_scope", "action_handoff", "validate_scope_form",
              "action_scope_verdict", "action_scope_cancel", "action_inform_outside_check", "action_session_start"}
    assert custom <= set(executor.actions)
