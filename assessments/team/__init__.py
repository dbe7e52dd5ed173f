"""Team assessment: several respondents per firm, one agreed answer per question (issue 18).

Part of the ``assessments`` app (its models live in ``assessments.models``); the firm's own
journey links here from the review page and the dashboard.
"""
